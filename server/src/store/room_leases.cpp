#include "store/room_leases.h"

#include "store/database.h"

namespace samspil::server {

RoomClaim claimRoom(Database& db, std::string_view room, const NodeIdentity& node, std::int64_t nowMs) {
    // One statement, so two nodes claiming at once cannot both win: the row is inserted, or
    // taken over when it is this node's or has expired; otherwise nothing is returned.
    auto claim = db.prepare(
        "INSERT INTO room_leases (room_code, node, expires_at_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (room_code) DO UPDATE SET node = excluded.node, expires_at_ms = excluded.expires_at_ms "
        "WHERE room_leases.node = excluded.node OR room_leases.expires_at_ms < ?4 RETURNING node");
    claim.bind(1, room).bind(2, std::string_view(node.name)).bind(3, nowMs + kLeaseMs).bind(4, nowMs);
    if (claim.step()) {
        claim.run();
        return {true, {}};
    }
    auto holder = db.prepare(
        "SELECT COALESCE(n.ws_url, '') FROM room_leases l LEFT JOIN nodes n ON n.name = l.node WHERE l.room_code = ?1");
    holder.bind(1, room);
    return {false, holder.step() ? holder.columnText(0) : std::string()};
}

void renewLeases(Database& db, const NodeIdentity& node, std::int64_t nowMs) {
    Transaction transaction(db);
    db.prepare(
          "INSERT INTO nodes (name, ws_url, seen_at_ms) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (name) DO UPDATE SET ws_url = excluded.ws_url, seen_at_ms = excluded.seen_at_ms")
        .bind(1, std::string_view(node.name))
        .bind(2, std::string_view(node.wsUrl))
        .bind(3, nowMs)
        .run();
    db.prepare("UPDATE room_leases SET expires_at_ms = ?2 WHERE node = ?1")
        .bind(1, std::string_view(node.name))
        .bind(2, nowMs + kLeaseMs)
        .run();
    transaction.commit();
}

void releaseRoom(Database& db, std::string_view room, std::string_view node) {
    db.prepare("DELETE FROM room_leases WHERE room_code = ?1 AND node = ?2").bind(1, room).bind(2, node).run();
}

void startNode(Database& db, const NodeIdentity& node, std::int64_t nowMs) {
    db.prepare("DELETE FROM room_leases WHERE node = ?1").bind(1, std::string_view(node.name)).run();
    renewLeases(db, node, nowMs);
}

}  // namespace samspil::server
