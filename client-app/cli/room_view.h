// RoomView: samspil-cli's picture of the room, fed by SessionListener callbacks on
// the network thread and read by the media and main threads under a mutex.
// (samspil-cli's media thread is not a real-time audio callback, so a lock is fine here.)
#pragma once

#include "samspil/net/session_client.h"

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace samspil::cli {

/// What the cli knows of one remote participant.
struct PeerSnapshot {
    std::uint32_t participantId = 0;
    std::string name;
    std::optional<protocol::StreamInfo> stream;
};

class RoomView : public net::SessionListener {
public:
    /// onFirstJoin runs once, on the network thread, when the first welcome arrives.
    /// admitWaiting, when set, is called (network thread) for each participant waiting while
    /// we hold the room's controls.
    explicit RoomView(std::function<void()> onFirstJoin, std::function<void(std::uint32_t)> admitWaiting = {})
        : onFirstJoin_(std::move(onFirstJoin)), admitWaiting_(std::move(admitWaiting)) {}

    // SessionListener (network thread)
    void onStateChanged(net::SessionState state, const std::string& reason) override;
    void onWelcome(const protocol::Welcome& welcome) override;
    void onPeers(const protocol::PeerList& peers) override;
    void onChat(const protocol::ChatMessage& chat) override;
    void onChatHistory(const protocol::ChatHistory& history) override;
    void onServerError(const protocol::ErrorMessage& error) override;
    void onWaiting(const protocol::Waiting& waiting) override;
    void onNotice(const protocol::Notice& notice) override;
    void onRoomState(const protocol::RoomState& state) override;
    void onRoomMetronome(const protocol::RoomMetronome& metronome) override;
    void onVideoDemand(const protocol::VideoDemand& demand) override;
    void onVideoFrame(std::span<const std::uint8_t> frame) override;

    /// Before start: where video goes (cli_video.h), all on the network thread.
    struct VideoHooks {
        std::function<void()> welcome;
        std::function<void(const protocol::PeerList&, std::uint16_t ownStreamId)> peers;
        std::function<void(const protocol::VideoDemand&)> demand;
        std::function<void(std::span<const std::uint8_t>)> frame;
    };
    void onVideo(VideoHooks hooks) { video_ = std::move(hooks); }

    /// Before start: called once (network thread) when a room_state shows that we hold the
    /// room's controls.
    void onControls(std::function<void()> callback) { onControls_.push_back(std::move(callback)); }
    /// Before start: called (network thread) on every room metronome grid that runs.
    void onMetronomeRunning(std::function<void()> callback) { onMetronomeRunning_.push_back(std::move(callback)); }
    /// Any thread: the take being recorded (its count-in and bar line), if one is.
    std::optional<protocol::TakeTiming> take() const;
    /// Any thread: when (local monotonic µs) a room_state first said the room is being
    /// recorded, and whether the last one said so.
    std::optional<std::int64_t> recordingSeenUs() const;
    bool recordingNow() const;

    /// Any thread: the remote participant sending on streamId, if known.
    std::optional<PeerSnapshot> peer(std::uint16_t streamId) const;
    /// Any thread: chat lines seen (history, then live), without duplicates, in id order.
    std::vector<protocol::ChatMessage> chat() const;
    /// Any thread: errors the server sent.
    std::vector<protocol::ErrorMessage> errors() const;
    bool everJoined() const;
    bool refused() const;
    /// Any thread: the role the server gave us, the server time of the first welcome, and
    /// whether we were in the waiting room first.
    std::string role() const;
    std::int64_t welcomeServerUs() const;
    bool waited() const;
    std::vector<protocol::Notice> notices() const;
    /// Any thread: the room's metronome grid as last heard, and a number that changes with it.
    std::optional<protocol::RoomMetronome> metronome() const;
    std::uint32_t metronomeVersion() const { return metronomeVersion_.load(); }

private:
    void rememberChat(const protocol::ChatMessage& chat);  // with mutex_ held

    std::function<void()> onFirstJoin_;
    VideoHooks video_;
    std::function<void(std::uint32_t)> admitWaiting_;
    std::vector<std::function<void()>> onControls_;
    std::vector<std::function<void()>> onMetronomeRunning_;
    std::optional<protocol::TakeTiming> take_;  // the last one seen
    bool heldControls_ = false;
    std::optional<std::int64_t> recordingSeenUs_;
    bool recordingNow_ = false;
    std::optional<protocol::RoomMetronome> metronome_;
    std::atomic<std::uint32_t> metronomeVersion_{0};
    std::uint32_t ownParticipantId_ = 0;
    std::set<std::uint32_t> admitted_;  // asked once each
    mutable std::mutex mutex_;
    std::uint16_t ownStreamId_ = 0;
    std::map<std::uint16_t, PeerSnapshot> peers_;  // by stream id, never forgotten (for the report)
    std::map<std::uint64_t, protocol::ChatMessage> chat_;
    std::vector<protocol::ErrorMessage> errors_;
    bool joined_ = false;
    bool refused_ = false;
    bool waited_ = false;
    std::string role_;
    std::int64_t welcomeServerUs_ = 0;
    std::vector<protocol::Notice> notices_;
};

}  // namespace samspil::cli
