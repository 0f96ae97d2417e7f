// VideoRelay: video in a room, relayed and never decoded (docs/protocol.md, "Video"). Each
// participant's camera state (theirs to set, the teacher's to block, as with mute), what
// each receiver wants of each sender (a layer, or nothing), and so what each sender must
// encode and when it owes a keyframe; the room's pinned participant; and the frames, each
// checked, stamped with its sender's stream id and passed to those who want that layer.
// Receivers' reports of loss and delay, and frames the server dropped toward them, go back
// to the sender once a second so it can adapt. Only members see video: nobody in the
// waiting room gets a frame. Service thread only.
#pragma once

#include "metrics.h"
#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/room_roster.h"
#include "rooms/token_bucket.h"

#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>

namespace samspil::server {

class VideoRelay {
public:
    VideoRelay(RoomDirectory& directory, RoomReplies& replies, RoomRoster& roster, Outbox& outbox, RelayMetrics& metrics,
               const RoomLimits& limits)
        : directory_(directory), replies_(replies), roster_(roster), outbox_(outbox), metrics_(metrics), limits_(limits) {}

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
    };

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
    std::unordered_map<ConnectionId, Sender> senders_;
    std::unordered_map<ConnectionId, Receiver> receivers_;
};

}  // namespace samspil::server
