#include "rooms/media_paths.h"

#include "samspil/udp/udp_datagram.h"

namespace samspil::server {

using namespace samspil::protocol;

// A second WebSocket of a joined participant, carrying the same media again (a browser's
// cover for a stalled TCP connection). It proves itself with its participant's offer.
void MediaPaths::handle(Participant& connection, const MediaTwin& twin, std::int64_t) {
    if (connection.stage != Stage::Connected) return replies_.refuse(connection.id, ErrorCode::AlreadyJoined);
    const auto main = outbox_.mediaSessionOwner(twin.sessionId, twin.key);
    const Participant* owner = main ? directory_.find(*main) : nullptr;
    if (!owner || !owner->joined())
        return replies_.refuse(connection.id, ErrorCode::NotAllowed, "no joined participant holds that media session", true);
    closeTwinOf(owner->id);  // one twin per participant: a newer one replaces the old
    twinOf_[owner->id] = connection.id;
    ownerOf_[connection.id] = owner->id;
    outbox_.linkTwin(owner->id, connection.id);
    connection.stage = Stage::Twin;
}

std::optional<ConnectionId> MediaPaths::twinOwner(ConnectionId twin) const {
    const auto it = ownerOf_.find(twin);
    if (it == ownerOf_.end()) return std::nullopt;
    return it->second;
}

void MediaPaths::closeTwinOf(ConnectionId main) {
    const auto it = twinOf_.find(main);
    if (it == twinOf_.end()) return;
    const ConnectionId twin = it->second;
    twinOf_.erase(it);
    ownerOf_.erase(twin);
    if (Participant* connection = directory_.find(twin); connection && !connection->closing) {
        connection->closing = true;
        outbox_.closeAfterFlush(twin, kCloseNormal, "leave");
    }
    outbox_.detachTwin(main);
}

std::string MediaPaths::videoToken(ConnectionId id) {
    if (const auto old = tokenOf_.find(id); old != tokenOf_.end()) videoTokens_.erase(old->second);
    std::string token = udp::keyToBase64(udp::freshKey());  // 32 random bytes
    videoTokens_[token] = id;
    tokenOf_[id] = token;
    return token;
}

// A member's video WebSocket, proving itself with the welcome's token. One per member: a
// newer one replaces the old.
void MediaPaths::handle(Participant& connection, const VideoAttach& attach, std::int64_t) {
    if (connection.stage != Stage::Connected) return replies_.refuse(connection.id, ErrorCode::AlreadyJoined);
    const auto found = videoTokens_.find(attach.token);
    const Participant* owner = found != videoTokens_.end() ? directory_.find(found->second) : nullptr;
    if (!owner || !owner->joined())
        return replies_.refuse(connection.id, ErrorCode::NotAllowed, "no joined participant holds that video token", true);
    closeVideoOf(owner->id);
    videoLinkOf_[owner->id] = connection.id;
    videoOwnerOf_[connection.id] = owner->id;
    outbox_.linkVideo(owner->id, connection.id);
    connection.stage = Stage::VideoLink;
}

std::optional<ConnectionId> MediaPaths::videoOwner(ConnectionId link) const {
    const auto it = videoOwnerOf_.find(link);
    if (it == videoOwnerOf_.end()) return std::nullopt;
    return it->second;
}

void MediaPaths::closeVideoOf(ConnectionId main) {
    const auto it = videoLinkOf_.find(main);
    if (it == videoLinkOf_.end()) return;
    const ConnectionId link = it->second;
    videoLinkOf_.erase(it);
    videoOwnerOf_.erase(link);
    if (Participant* connection = directory_.find(link); connection && !connection->closing) {
        connection->closing = true;
        outbox_.closeAfterFlush(link, kCloseNormal, "leave");
    }
    outbox_.detachVideo(main);
}

void MediaPaths::left(Participant& participant) {
    closeTwinOf(participant.id);
    closeVideoOf(participant.id);
    if (const auto token = tokenOf_.find(participant.id); token != tokenOf_.end()) {
        videoTokens_.erase(token->second);
        tokenOf_.erase(token);
    }
    outbox_.forgetUdp(participant.id);
}

void MediaPaths::closed(const Participant& connection) {
    if (const auto video = videoOwnerOf_.find(connection.id); video != videoOwnerOf_.end()) {
        videoLinkOf_.erase(video->second);
        outbox_.detachVideo(video->second);
        videoOwnerOf_.erase(video);
        return;
    }
    const auto owner = ownerOf_.find(connection.id);
    if (owner == ownerOf_.end()) return;
    twinOf_.erase(owner->second);
    outbox_.detachTwin(owner->second);
    ownerOf_.erase(owner);
}

}  // namespace samspil::server
