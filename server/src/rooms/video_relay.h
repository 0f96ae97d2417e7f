// VideoRelay: video in a room, relayed and never decoded (docs/protocol.md, "Video"). Each
// participant's camera state (theirs to set, the teacher's to block, as with mute), what
// each receiver wants of each sender (a layer, or nothing), and so what each sender must
// encode and when it owes a keyframe; the room's pinned participant; and the frames, each
// checked, stamped with its sender's stream id and passed to those who want that layer.
// Receivers' reports of loss and delay, and frames the server dropped toward them, go back
// to the sender once a second so it can adapt. A receiver whose own line loses video (its
// report says so) is held — no video toward it for a second or two, so its audio gets the
// line — and then given a keyframe to start from; the sender is not dragged down for it.
// Only members see video: nobody in the waiting room gets a frame. Service thread only.
#pragma once

#include "metrics.h"
#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/room_roster.h"
#include "rooms/token_bucket.h"
#include "rooms/uplink_watch.h"

#include <array>
#include <cstdint>
#include <set>
#include <span>
#include <unordered_map>

namespace samspil::server {

class VideoRelay {
public:
    VideoRelay(RoomDirectory& directory, RoomReplies& replies, RoomRoster& roster, Outbox& outbox, RelayMetrics& metrics,
               const RoomLimits& limits, const UplinkWatch& uplink)
        : directory_(directory), replies_(replies), roster_(roster), outbox_(outbox), metrics_(metrics), limits_(limits),
          uplink_(uplink) {}

    void handle(Participant& participant, const protocol::CameraSet& camera, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::VideoSubscribe& subscribe, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::KeyframeRequest& request, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::VideoReport& report, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::Pin& pin, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::CameraBlock& block, std::int64_t nowUs);

    /// A whole video frame from a member (their video WebSocket, or reassembled from UDP).
    void relay(Participant& sender, std::span<const std::uint8_t> frame, std::int64_t nowUs);
    /// A receiver's queue toward which frames were dropped has caught up: the sender owes it
    /// a keyframe of that layer.
    void recovered(ConnectionId receiver, std::uint16_t senderStream, protocol::VideoLayer layer, std::int64_t nowUs);
    /// Frames dropped toward a slow receiver (for the sender's feedback).
    void droppedToward(std::uint16_t senderStream, std::uint32_t frames);
    /// A sender's upload is queueing (UplinkWatch): it hears so at once, to send less.
    void uplinkQueueing(ConnectionId sender);
    /// About once a second: each sender's feedback.
    void tick(std::int64_t nowUs);

    void left(Participant& participant, Room& room);

private:
    struct Sender {
        std::array<bool, protocol::kVideoLayers> wanted{};
        std::array<bool, protocol::kVideoLayers> keyframeOwed{};
        std::array<std::int64_t, protocol::kVideoLayers> lastKeyframeAskedUs{};
        // The last second's figures from its receivers.
        std::uint32_t worstLossPercent = 0;
        std::uint32_t worstDelayMs = 0;
        std::uint32_t dropped = 0;
        // The video budget (room_limits.h), set when its first frame comes.
        bool budgeted = false;
        TokenBucket frames;
        TokenBucket bytes;
    };
    struct Receiver {
        std::unordered_map<std::uint16_t, protocol::VideoLayer> wants;  // sender stream → layer
        // Held: its line lost video; none goes to it until then (service clock µs).
        std::int64_t heldUntilUs = 0;
        std::int64_t nextHoldUs = kFirstHoldUs;
        // After a hold, or a layer just asked for: nothing of that stream until its keyframe.
        std::set<std::pair<std::uint16_t, protocol::VideoLayer>> awaitingKeyframe;
    };
    static constexpr std::int64_t kFirstHoldUs = 1'000'000;
    static constexpr std::int64_t kLongestHoldUs = 2'000'000;  // a line that comes back sees video within 3 s
    static constexpr std::int64_t kKeyframeBeforeHoldEndsUs = 300'000;
    static constexpr std::uint32_t kHoldAtLossPercent = 20;     // of video frames
    static constexpr std::uint32_t kHoldAtLineLossPercent = 5;  // of everything (audio too); a lossy Wi-Fi's 2 % is not a full line
    /// Whether `frame` may go to `receiver` now (holds and keyframe waits).
    bool passes(Receiver& receiver, Participant& sender, std::uint16_t stream, protocol::VideoLayer layer, bool keyframe,
                std::int64_t nowUs);

    Participant* senderWithStream(const Room& room, std::uint16_t streamId);
    /// Works out a sender's wanted layers again; tells it when they (or owed keyframes) changed.
    void updateDemand(Participant& sender, std::int64_t nowUs, bool alwaysTell = false);
    void askKeyframe(Participant& sender, protocol::VideoLayer layer, std::int64_t nowUs);
    void sendDemand(const Participant& sender, Sender& state);
    bool mayControl(Participant& participant, const Room& room);

    RoomDirectory& directory_;
    RoomReplies& replies_;
    RoomRoster& roster_;
    Outbox& outbox_;
    RelayMetrics& metrics_;
    const RoomLimits& limits_;
    const UplinkWatch& uplink_;
    std::unordered_map<ConnectionId, Sender> senders_;
    std::unordered_map<ConnectionId, Receiver> receivers_;
};

}  // namespace samspil::server
