#include "rooms/media_paths.h"

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

void MediaPaths::left(Participant& participant) {
    closeTwinOf(participant.id);
    outbox_.forgetUdp(participant.id);
}

void MediaPaths::closed(const Participant& connection) {
    const auto owner = ownerOf_.find(connection.id);
    if (owner == ownerOf_.end()) return;
    twinOf_.erase(owner->second);
    outbox_.detachTwin(owner->second);
    ownerOf_.erase(owner);
}

}  // namespace samspil::server
