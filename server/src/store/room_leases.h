// Room leases: which node a room lives on when several samspil-server nodes share one
// PostgreSQL. A node claims a room when someone joins it and holds it while the room is
// open, renewing every lease it holds twice a second (with its own heartbeat in `nodes`);
// a lease it stops renewing expires kLeaseMs later, and the next join anywhere takes the
// room. A join that reaches a node while a live lease is elsewhere is told where (`moved`).
// Store thread. A server alone on its database (SQLite, or PostgreSQL without --node) takes
// no leases: it holds every room it opens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace samspil::server {

class Database;

/// How long a lease outlives its last renewal: a node that dies (kill -9, its machine off)
/// lets its rooms go this long after its last renewal.
inline constexpr std::int64_t kLeaseMs = 2000;
/// How often a node renews its leases: four chances before a lease runs out, so a slow
/// store job or a PostgreSQL hiccup of a second does not cost a live node its rooms.
inline constexpr std::int64_t kLeaseRenewMs = 500;

/// This node: its name and the WebSocket URL clients reach it on directly.
struct NodeIdentity {
    std::string name;
    std::string wsUrl;
};

struct RoomClaim {
    bool held = false;      ///< this node holds the room now
    std::string holderUrl;  ///< otherwise: where the room lives ("" when that node left no address)
};

/// Takes the room for `node` (new, expired, or already its own) or says who holds it.
RoomClaim claimRoom(Database& db, std::string_view room, const NodeIdentity& node, std::int64_t nowMs);

/// The node's heartbeat: its address, and every lease it holds renewed.
void renewLeases(Database& db, const NodeIdentity& node, std::int64_t nowMs);

/// The room closed on this node: others may take it at once.
void releaseRoom(Database& db, std::string_view room, std::string_view node);

/// A node starting: it holds nothing yet (rooms of an earlier run of it are gone).
void startNode(Database& db, const NodeIdentity& node, std::int64_t nowMs);

}  // namespace samspil::server
