// MediaPaths: how a member's media reaches them besides their WebSocket — the UDP path's
// offer (made with the welcome, withdrawn when they leave), a browser's media twin (a
// second WebSocket that proves itself with the offer's session and key, and then carries
// the same media again both ways), and the video WebSocket (which proves itself with the
// welcome's video token and then carries the member's video both ways, never their audio).
// Service thread only.
#pragma once

#include "rooms/room_directory.h"

#include <optional>
#include <string>
#include <unordered_map>

namespace samspil::server {

class MediaPaths {
public:
    MediaPaths(RoomDirectory& directory, RoomReplies& replies, Outbox& outbox)
        : directory_(directory), replies_(replies), outbox_(outbox) {}

    /// The UDP offer for a member's welcome (none when the server has no UDP path).
    std::optional<protocol::UdpOffer> offer(ConnectionId id) { return outbox_.offerUdp(id); }
    /// A fresh video token for a member's welcome.
    std::string videoToken(ConnectionId id);
    /// A connection attaches as the video WebSocket of the member whose token it shows.
    void handle(Participant& connection, const protocol::VideoAttach& attach, std::int64_t nowUs);
    /// The member a video WebSocket belongs to (none: not one).
    std::optional<ConnectionId> videoOwner(ConnectionId link) const;
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
    void closeVideoOf(ConnectionId main);

    RoomDirectory& directory_;
    RoomReplies& replies_;
    Outbox& outbox_;
    std::unordered_map<ConnectionId, ConnectionId> twinOf_;  // participant → their twin
    std::unordered_map<ConnectionId, ConnectionId> ownerOf_; // twin → its participant
    std::unordered_map<std::string, ConnectionId> videoTokens_;    // token → member
    std::unordered_map<ConnectionId, std::string> tokenOf_;        // member → their token
    std::unordered_map<ConnectionId, ConnectionId> videoLinkOf_;   // member → video WebSocket
    std::unordered_map<ConnectionId, ConnectionId> videoOwnerOf_;  // video WebSocket → member
};

}  // namespace samspil::server
