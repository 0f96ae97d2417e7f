// ChatStore: chat lines of each room in SQLite. Runs on the store thread only.
#pragma once

#include "samspil/protocol/control_message.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace samspil::server {

class Database;

/// The newest messages of a room and the highest sequence number it has used.
struct RecentChat {
    std::vector<protocol::ChatMessage> messages;  ///< oldest first
    std::uint64_t lastId = 0;                     ///< 0 when the room has no messages
};

class ChatStore {
public:
    explicit ChatStore(Database& db) : db_(db) {}

    /// Appends one message (its id is the room's sequence number) to the room, creating the room row.
    void append(std::string_view roomCode, const protocol::ChatMessage& message);

    /// The last `limit` messages of a room, oldest first.
    RecentChat loadRecent(std::string_view roomCode, int limit);

private:
    Database& db_;
};

}  // namespace samspil::server
