// MediaPaths: how a member's media reaches them besides their WebSocket — the UDP path's
// offer (made with the welcome, withdrawn when they leave) and a browser's media twin (a
// second WebSocket that proves itself with the offer's session and key, and then carries
// the same media again both ways). Service thread only.
#pragma once

#include "rooms/room_directory.h"

#include <optional>
#include <unordered_map>

namespace samspil::server {

class MediaPaths {
public:
    MediaPaths(RoomDirectory& directory, RoomReplies& replies, Outbox& outbox)
        : directory_(directory), replies_(replies), outbox_(outbox) {}

    /// The UDP offer for a member's welcome (none when the server has no UDP path).
    std::optional<protocol::UdpOffer> offer(ConnectionId id) { return outbox_.offerUdp(id); }
    /// A second WebSocket asks to be the twin of the joined participant its offer names.
    void handle(Participant& connection, const protocol::MediaTwin& twin, std::int64_t nowUs);
    /// The participant whose media a twin connection carries (none: not a twin).
    std::optional<ConnectionId> twinOwner(ConnectionId twin) const;
    /// A member left the room: their UDP path and twin go with it.
    void left(Participant& participant);
    /// A connection is gone; a twin's participant forgets it.
    void closed(const Participant& connection);

private:
    void closeTwinOf(ConnectionId main);

    RoomDirectory& directory_;
    RoomReplies& replies_;
    Outbox& outbox_;
    std::unordered_map<ConnectionId, ConnectionId> twinOf_;  // participant → their twin
    std::unordered_map<ConnectionId, ConnectionId> ownerOf_; // twin → its participant
};

}  // namespace samspil::server
