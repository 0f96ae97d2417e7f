// MediaRelay: selective forwarding. Each media packet a member sends is checked, stamped
// with the sender's own stream id (a client cannot speak for another), held to the
// sender's media budget (packets and bytes a second; beyond it dropped and counted),
// shared — one buffer, not copies — by every other member's queue, and shown to the taps
// (the recorder). A muted member's media goes nowhere. Service thread only.
#pragma once

#include "metrics.h"
#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/token_bucket.h"
#include "samspil/base/seen_window.h"

#include <span>
#include <unordered_map>
#include <vector>

namespace samspil::server {

/// Sees every packet the relay passes on (the recorder; later a server mix). Service thread.
class MediaTap {
public:
    virtual ~MediaTap() = default;
    /// Whether it wants this room's packets now (a lone member's media is otherwise not kept).
    virtual bool wants(const Room& room) const = 0;
    virtual void onRelayed(const Room& room, const Participant& sender, const protocol::MediaHeader& header,
                           const SharedMedia& packet, std::int64_t nowUs) = 0;
};

class MediaRelay {
public:
    MediaRelay(RoomDirectory& directory, RoomReplies& replies, Outbox& outbox, RelayMetrics& metrics,
               const RoomLimits& limits)
        : directory_(directory), replies_(replies), outbox_(outbox), metrics_(metrics), limits_(limits) {}

    void addTap(MediaTap& tap) { taps_.push_back(&tap); }

    /// A member's media message (a WebSocket binary frame, a UDP datagram's body, a twin's copy).
    void relay(Participant& sender, std::span<const std::uint8_t> bytes, std::int64_t nowUs);
    /// Someone entered: a fresh budget and a fresh memory of what was relayed.
    void entered(const Participant& participant, std::int64_t nowUs);
    void left(ConnectionId id) { senders_.erase(id); }

private:
    /// The sequence numbers of one sender's stream relayed lately (1024: 2.5 s of 2.5 ms
    /// frames), so that a copy carried again (UDP redundancy, a media twin whose WebSocket
    /// stalled) is told from the first.
    struct Sender {
        SeenWindow<1024> relayed;
        TokenBucket packets;
        TokenBucket bytes;
        /// True the first time a sequence is seen (a stream start resets the memory).
        bool firstTime(std::uint32_t sequence, bool streamStart);
    };

    bool tapped(const Room& room) const;

    RoomDirectory& directory_;
    RoomReplies& replies_;
    Outbox& outbox_;
    RelayMetrics& metrics_;
    const RoomLimits& limits_;
    std::vector<MediaTap*> taps_;
    std::unordered_map<ConnectionId, Sender> senders_;
};

}  // namespace samspil::server
