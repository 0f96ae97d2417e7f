#include "room_view.h"

#include "samspil/time/clock.h"

#include <iostream>

namespace samspil::cli {

void RoomView::onStateChanged(net::SessionState state, const std::string& reason) {
    if (state == net::SessionState::Refused) {
        std::lock_guard lock(mutex_);
        refused_ = true;
    }
    if (state == net::SessionState::Reconnecting || state == net::SessionState::Refused)
        std::cerr << "samspil-cli: " << net::toString(state) << (reason.empty() ? "" : ": " + reason) << "\n";
}

void RoomView::onWelcome(const protocol::Welcome& welcome) {
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        ownStreamId_ = welcome.streamId;
        ownParticipantId_ = welcome.participantId;
        first = !joined_;
        joined_ = true;
        role_ = welcome.role;
        if (first) welcomeServerUs_ = welcome.serverUs;
    }
    std::cerr << "samspil-cli: joined room " << welcome.room << " as participant " << welcome.participantId << " ("
              << welcome.role << ")\n";
    if (first && onFirstJoin_) onFirstJoin_();
    if (video_.welcome) video_.welcome();
}

void RoomView::onVideoDemand(const protocol::VideoDemand& demand) {
    if (video_.demand) video_.demand(demand);
}

void RoomView::onVideoFrame(std::span<const std::uint8_t> frame) {
    if (video_.frame) video_.frame(frame);
}

void RoomView::onPeers(const protocol::PeerList& peers) {
    std::uint16_t own = 0;
    {
        std::lock_guard lock(mutex_);
        own = ownStreamId_;
        for (const auto& peer : peers.peers) {
            if (peer.streamId == ownStreamId_) continue;
            peers_[peer.streamId] = PeerSnapshot{peer.participantId, peer.name, peer.stream};
        }
    }
    if (video_.peers) video_.peers(peers, own);
}

void RoomView::onChat(const protocol::ChatMessage& chat) {
    std::cerr << "[chat] " << chat.name << ": " << chat.text << "\n";
    std::lock_guard lock(mutex_);
    rememberChat(chat);
}

void RoomView::onChatHistory(const protocol::ChatHistory& history) {
    std::lock_guard lock(mutex_);
    for (const auto& chat : history.messages) rememberChat(chat);
}

void RoomView::onServerError(const protocol::ErrorMessage& error) {
    std::cerr << "samspil-cli: server says " << protocol::errorCodeName(error.code) << ": " << error.message << "\n";
    std::lock_guard lock(mutex_);
    errors_.push_back(error);
}

void RoomView::onWaiting(const protocol::Waiting& waiting) {
    std::cerr << "samspil-cli: in the waiting room of " << waiting.room << "; the teacher will let you in\n";
    std::lock_guard lock(mutex_);
    waited_ = true;
}

void RoomView::onRoomState(const protocol::RoomState& state) {
    std::vector<protocol::WaitingPeer> toAdmit;
    bool nowControls = false;
    {
        std::lock_guard lock(mutex_);
        if (state.recording && !recordingSeenUs_) {
            recordingSeenUs_ = monotonicMicros();
            std::cerr << "samspil-cli: the room is being recorded\n";
        }
        recordingNow_ = state.recording.has_value();
        if (state.recording && state.recording->take && !take_) {
            take_ = state.recording->take;
            std::cerr << "samspil-cli: a take at " << take_->bpm << " BPM: one bar's count-in, then recording\n";
        }
        if (ownParticipantId_ == 0 || state.teacherParticipantId != ownParticipantId_) return;
        nowControls = !heldControls_;
        heldControls_ = true;
        if (admitWaiting_)
            for (const auto& waiting : state.waiting)
                if (admitted_.insert(waiting.participantId).second) toAdmit.push_back(waiting);
    }
    if (nowControls)
        for (const auto& callback : onControls_) callback();
    for (const auto& waiting : toAdmit) {
        std::cerr << "samspil-cli: letting in " << waiting.name << " (" << waiting.role << ")\n";
        admitWaiting_(waiting.participantId);
    }
}

void RoomView::onRoomMetronome(const protocol::RoomMetronome& metronome) {
    std::cerr << "samspil-cli: the room's metronome " << (metronome.running ? "runs at " : "stopped")
              << (metronome.running ? std::to_string(metronome.bpm) + " BPM, set by " + metronome.name : std::string()) << "\n";
    {
        std::lock_guard lock(mutex_);
        metronome_ = metronome;
        metronomeVersion_.fetch_add(1);
    }
    if (metronome.running)
        for (const auto& callback : onMetronomeRunning_) callback();
}

std::optional<protocol::TakeTiming> RoomView::take() const {
    std::lock_guard lock(mutex_);
    return take_;
}

std::optional<protocol::RoomMetronome> RoomView::metronome() const {
    std::lock_guard lock(mutex_);
    return metronome_;
}

std::optional<std::int64_t> RoomView::recordingSeenUs() const {
    std::lock_guard lock(mutex_);
    return recordingSeenUs_;
}

bool RoomView::recordingNow() const {
    std::lock_guard lock(mutex_);
    return recordingNow_;
}

void RoomView::onNotice(const protocol::Notice& notice) {
    std::cerr << "samspil-cli: " << notice.message << "\n";
    std::lock_guard lock(mutex_);
    notices_.push_back(notice);
}

std::string RoomView::role() const {
    std::lock_guard lock(mutex_);
    return role_;
}

std::int64_t RoomView::welcomeServerUs() const {
    std::lock_guard lock(mutex_);
    return welcomeServerUs_;
}

bool RoomView::waited() const {
    std::lock_guard lock(mutex_);
    return waited_;
}

std::vector<protocol::Notice> RoomView::notices() const {
    std::lock_guard lock(mutex_);
    return notices_;
}

void RoomView::rememberChat(const protocol::ChatMessage& chat) {
    chat_.try_emplace(chat.id, chat);
}

std::optional<PeerSnapshot> RoomView::peer(std::uint16_t streamId) const {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(streamId);
    if (it == peers_.end()) return std::nullopt;
    return it->second;
}

std::vector<protocol::ChatMessage> RoomView::chat() const {
    std::lock_guard lock(mutex_);
    std::vector<protocol::ChatMessage> lines;
    for (const auto& [id, chat] : chat_) lines.push_back(chat);
    return lines;
}

std::vector<protocol::ErrorMessage> RoomView::errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
}

bool RoomView::everJoined() const {
    std::lock_guard lock(mutex_);
    return joined_;
}

bool RoomView::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace samspil::cli
