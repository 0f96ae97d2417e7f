#include "room_session.h"

#include "samspil/time/clock.h"
#include "samspil/audio/mouth_to_ear.h"
#include "server_text.h"

#include <climits>
#include <thread>

namespace samspil::ui {

using namespace samspil::protocol;

/// The engine's transport for the whole session; it forwards to whichever SessionClient is
/// current. The audio thread marks itself as a user while it forwards; detach() waits (for
/// microseconds) until no audio callback is inside before the client may be destroyed.
class RoomSession::SwappableTransport : public MediaTransport {
public:
    bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                  std::span<const std::uint8_t> opusPacket) override {
        Use use(*this);
        auto* client = client_.load();
        return client && client->sendMediaFromAudioThread(sequence, timestamp, stereo, opusPacket);
    }
    bool popIncomingOnAudioThread(MediaSlot& packet) override {
        Use use(*this);
        auto* client = client_.load();
        return client && client->popIncomingOnAudioThread(packet);
    }
    bool readyToSend() const override {
        Use use(*this);
        auto* client = client_.load();
        return client && client->state() == net::SessionState::Joined;
    }
    void attach(net::SessionClient* client) { client_.store(client); }
    void detach() {
        client_.store(nullptr);
        while (users_.load() != 0) std::this_thread::yield();
    }

private:
    // Marks the audio thread as inside a call for as long as it may touch the client.
    struct Use {
        explicit Use(const SwappableTransport& t) : transport(t) { transport.users_.fetch_add(1); }
        ~Use() { transport.users_.fetch_sub(1); }
        const SwappableTransport& transport;
    };
    std::atomic<net::SessionClient*> client_{nullptr};
    mutable std::atomic<int> users_{0};
};

RoomSession::RoomSession(int maxPeers) : transport_(std::make_unique<SwappableTransport>()) {
    EngineSettings settings;
    settings.maxPeers = maxPeers;
    auto engine = RoomAudioEngine::create(settings, *transport_);
    // Creating encoders and decoders fails only when out of memory.
    if (!engine) throw std::runtime_error(engine.error());
    engine_ = std::move(*engine);
}

RoomSession::~RoomSession() {
    cancelPendingUpdate();
    leave();
}

std::optional<std::string> RoomSession::join(const JoinSettings& settings) {
    lastFatalError_.clear();
    joinSettings_ = settings;
    leave();
    net::SessionConfig config;
    config.serverUrl = settings.serverUrl;
    config.room = settings.room;
    config.name = settings.name;
    config.token = settings.token;
    config.invite = settings.invite;
    config.channels = settings.sendChannels;
    config.frameSamples = settings.frameSamples;
    config.useUdp = settings.useUdp;
    config.video = settings.video;
    engine_->setFrameSamples(settings.frameSamples);
    engine_->setSendChannels(settings.sendChannels);
    client_ = std::make_unique<net::SessionClient>(config, static_cast<net::SessionListener&>(*this));
    participants_.clear();
    slotHandedToAudio_.clear();
    chat_.clear();
    roomState_ = {};
    roomTempo_.reset();
    selfId_ = 0;
    epochSent_ = false;
    if (auto started = client_->start(); !started) {
        client_.reset();
        state_ = net::SessionState::Idle;
        statusText_ = tr("Cannot connect: {why}").replace("{why}", juce::String::fromUTF8(started.error().c_str())).toStdString();
        if (onChange) onChange();
        return statusText_;
    }
    transport_->attach(client_.get());
    if (onClientChanged) onClientChanged(client_.get());
    state_ = net::SessionState::Connecting;
    statusText_ = tr("Connecting to {server} …").replace("{server}", juce::String::fromUTF8(settings.serverUrl.c_str())).toStdString();
    if (onChange) onChange();
    return std::nullopt;
}

void RoomSession::leave() {
    if (!client_) return;
    if (onClientChanged) onClientChanged(nullptr);  // what uses the client goes before it
    transport_->detach();
    client_->leave();
    client_.reset();
    {
        std::lock_guard lock(eventsMutex_);
        events_.clear();
    }
    state_ = net::SessionState::Closed;
    statusText_ = tr("Left the room").toStdString();
    engine_->metronome().stopRoomGrid();  // the room's click stops with the room
    participants_.clear();
    roomState_ = {};
    selfId_ = 0;
    if (onChange) onChange();
}

std::optional<double> RoomSession::delayToMs(const Participant& participant) const {
    if (!client_ || participant.slot < 0 || !participant.stream || !participant.stream->epochServerUs) return std::nullopt;
    const auto offset = client_->serverClockOffsetUs();
    if (!offset) return std::nullopt;
    PeerView& view = engine_->peer(participant.slot);
    const std::int64_t played = view.lastPlayedUs.load();
    if (played == 0 || view.streamId.load() != participant.streamId) return std::nullopt;
    return mouthToEarMs(played, *participant.stream->epochServerUs, *offset, view.lastTimestamp.load());
}

void RoomSession::sendChat(const std::string& text) {
    if (client_) client_->sendChat(text);
}

void RoomSession::sendControl(const ClientMessage& message) {
    if (client_) client_->sendControl(message);
}

int RoomSession::slotForName(const std::string& name) {
    if (auto it = slotByName_.find(name); it != slotByName_.end()) return it->second;
    // The lowest slot nobody present is using.
    for (int slot = 0; slot < engine_->maxPeers(); ++slot) {
        bool taken = false;
        for (const auto& [other, used] : slotByName_)
            if (used == slot)
                for (const auto& p : participants_) taken |= p.name == other;
        if (!taken) {
            for (auto it = slotByName_.begin(); it != slotByName_.end();)
                it = it->second == slot ? slotByName_.erase(it) : std::next(it);
            slotByName_[name] = slot;
            return slot;
        }
    }
    return -1;
}

// ---- network thread -------------------------------------------------------------------------

void RoomSession::post(std::function<void()> event) {
    {
        std::lock_guard lock(eventsMutex_);
        events_.push_back(std::move(event));
    }
    triggerAsyncUpdate();
}

void RoomSession::onStateChanged(net::SessionState state, const std::string& reason) {
    post([this, state, reason] {
        state_ = state;
        switch (state) {
            case net::SessionState::Connecting: statusText_ = tr("Connecting …").toStdString(); break;
            case net::SessionState::Waiting: statusText_ = tr("In the waiting room: the teacher will let you in.").toStdString(); break;
            case net::SessionState::Joined: statusText_ = tr("In the room").toStdString(); break;
            case net::SessionState::Reconnecting:
                statusText_ = tr("Reconnecting …").toStdString() + (reason.empty() ? std::string() : " (" + reason + ")");
                break;
            // The refusal's error came just before (server_text.h: in the window's language).
            case net::SessionState::Refused:
                statusText_ = tr("Not let in: {why}")
                                  .replace("{why}", juce::String::fromUTF8((lastFatalError_.empty() ? reason : lastFatalError_).c_str()))
                                  .toStdString();
                break;
            case net::SessionState::Closed: statusText_ = tr("Left the room").toStdString(); break;
            case net::SessionState::Idle: statusText_ = tr("Not connected").toStdString(); break;
        }
    });
}

void RoomSession::setVideoListener(VideoListener* listener) {
    std::lock_guard lock(videoMutex_);
    video_ = listener;
}

void RoomSession::onVideoDemand(const VideoDemand& demand) {
    std::lock_guard lock(videoMutex_);
    if (video_) video_->onVideoDemand(demand);
}

void RoomSession::onVideoFrame(std::span<const std::uint8_t> frame) {
    std::lock_guard lock(videoMutex_);
    if (video_) video_->onVideoFrame(frame);
}

void RoomSession::onWelcome(const Welcome& welcome) {
    {
        std::lock_guard lock(videoMutex_);
        if (video_) video_->onVideoWelcome();
    }
    post([this, welcome] {
        selfId_ = welcome.participantId;
        selfRole_ = welcome.role;
    });
}

void RoomSession::onPeers(const PeerList& peers) {
    post([this, peers] {
        participants_.clear();
        for (const auto& peer : peers.peers) {
            Participant p{peer.participantId, peer.streamId, peer.name, peer.role, peer.muted,
                          peer.participantId == selfId_, -1, peer.stream, peer.camera, peer.cameraBlocked};
            participants_.push_back(std::move(p));
        }
        // A participant keeps their slot (and listening level) across reconnects, by name.
        // Only changes go to the audio thread; streams that left are forgotten (ids are reused).
        std::map<std::uint16_t, int> handed;
        for (auto& p : participants_) {
            if (p.isSelf) continue;
            p.slot = slotForName(p.name);
            if (p.slot < 0) continue;
            const auto before = slotHandedToAudio_.find(p.streamId);
            const bool known = before != slotHandedToAudio_.end() && before->second == p.slot;
            if (known || engine_->assignStreamToSlot(p.streamId, p.slot)) handed[p.streamId] = p.slot;
        }
        slotHandedToAudio_ = std::move(handed);
        // Where each stream's timestamp 0 lies on the server's clock: interval mode plays by it.
        std::map<std::uint16_t, std::int64_t> epochs;
        for (const auto& p : participants_) {
            if (p.isSelf || !p.stream || !p.stream->epochServerUs) continue;
            const auto before = epochHandedToAudio_.find(p.streamId);
            const bool known = before != epochHandedToAudio_.end() && before->second == *p.stream->epochServerUs;
            if (known || engine_->setStreamEpoch(p.streamId, *p.stream->epochServerUs))
                epochs[p.streamId] = *p.stream->epochServerUs;
        }
        epochHandedToAudio_ = std::move(epochs);
    });
}

void RoomSession::onChat(const ChatMessage& chat) {
    post([this, chat] { chat_.push_back({chat.name, chat.text}); });
}

void RoomSession::onChatHistory(const ChatHistory& history) {
    post([this, history] {
        for (const auto& chat : history.messages) chat_.push_back({chat.name, chat.text});
    });
}

void RoomSession::onServerError(const ErrorMessage& error) {
    post([this, error] {
        const std::string text = serverErrorText(error).toStdString();
        if (error.fatal) statusText_ = lastFatalError_ = text;
        chat_.push_back({"Samspil", text});
    });
}

void RoomSession::onWaiting(const Waiting&) {}

void RoomSession::onRoomState(const RoomState& state) {
    post([this, state] { roomState_ = state; });
}

void RoomSession::onRoomTempo(const RoomTempo& tempo) {
    post([this, tempo] { roomTempo_ = tempo; });
}

// The room's click grid goes to the engine's metronome, and its mode (live or interval) to
// the engine from the grid's start on (the message thread is the one writer of both).
void RoomSession::onRoomMetronome(const RoomMetronome& metronome) {
    post([this, metronome] {
        roomMetronome_ = metronome.running ? std::optional<RoomMetronome>(metronome) : std::nullopt;
        if (metronome.running) {
            engine_->prepareIntervalMode();
            engine_->metronome().followRoomGrid(metronome.startServerUs, metronome.bpm, metronome.beatsPerBar, metronome.accent);
        } else {
            engine_->metronome().stopRoomGrid();
        }
        engine_->setIntervalMode(metronome.intervalUs(), metronome.running ? metronome.startServerUs.us() : INT64_MIN);
    });
}

std::optional<std::int64_t> RoomSession::serverNowUs() const {
    const auto offset = client_ ? client_->serverClockOffsetUs() : std::nullopt;
    if (!offset) return std::nullopt;
    return monotonicMicros() + *offset;
}

void RoomSession::onNotice(const Notice& notice) {
    post([this, notice] { chat_.push_back({"Samspil", serverNoticeText(notice).toStdString()}); });
}

// ---- message thread ---------------------------------------------------------------------

void RoomSession::handleAsyncUpdate() {
    std::deque<std::function<void()>> ready;
    {
        std::lock_guard lock(eventsMutex_);
        ready.swap(events_);
    }
    for (auto& event : ready) event();
    tick();
    if (onChange) onChange();
}

void RoomSession::tick() {
    // Tell the room when our media timestamp 0 was captured, once the audio has started, and
    // again when the sound card's clock has drifted by a millisecond — as often as the engine
    // re-estimates it (every 0.5 s), since a card that runs a few ms/s slow would otherwise
    // make everyone's delay figure for us wrong by that much. Each announcement goes to the
    // room, so never more than twice a second.
    if (client_)  // the room's clicks are placed through the clock offset to the server
        if (const auto offset = client_->serverClockOffsetUs()) engine_->metronome().setServerOffsetUs(*offset);
    const std::int64_t epoch = engine_->streamEpochUs();
    if (!client_ || epoch == 0) return;
    const std::int64_t now = monotonicMicros();
    const bool drifted = std::abs(epoch - sentEpochUs_) > 1000 && now - sentEpochAtUs_ >= 500'000;
    if (!epochSent_ || drifted) {
        client_->setStreamEpoch(epoch);
        epochSent_ = true;
        sentEpochUs_ = epoch;
        sentEpochAtUs_ = now;
    }
    // Mono/stereo and the frame size can change in the room; the others' strips show them.
    client_->setStreamFormat(engine_->sendChannels(), engine_->frameSamples());
}

}  // namespace samspil::ui
