#include "store/chat_store.h"

#include "samspil/time/clock.h"
#include "store/database.h"

#include <algorithm>

namespace samspil::server {

void ChatStore::append(std::string_view roomCode, const protocol::ChatMessage& message) {
    Transaction transaction(db_);
    db_.prepare("INSERT INTO rooms (code, created_at_ms) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
        .bind(1, roomCode)
        .bind(2, unixMillis())
        .run();
    db_.prepare(
           "INSERT INTO chat_messages (room_id, room_seq, sender_name, text, sent_at_ms) "
           "VALUES ((SELECT id FROM rooms WHERE code = ?1), ?2, ?3, ?4, ?5)")
        .bind(1, roomCode)
        .bind(2, static_cast<std::int64_t>(message.id))
        .bind(3, message.name)
        .bind(4, message.text)
        .bind(5, message.sentAtMs)
        .run();
    transaction.commit();
}

RecentChat ChatStore::loadRecent(std::string_view roomCode, int limit) {
    RecentChat recent;
    auto statement = db_.prepare(
        "SELECT room_seq, sender_name, text, sent_at_ms FROM chat_messages "
        "WHERE room_id = (SELECT id FROM rooms WHERE code = ?1) ORDER BY room_seq DESC LIMIT ?2");
    statement.bind(1, roomCode).bind(2, std::int64_t{limit});
    while (statement.step()) {
        protocol::ChatMessage message;
        message.id = static_cast<std::uint64_t>(statement.columnInt(0));
        message.name = statement.columnText(1);
        message.text = statement.columnText(2);
        message.sentAtMs = statement.columnInt(3);
        recent.lastId = std::max(recent.lastId, message.id);
        recent.messages.push_back(std::move(message));
    }
    std::reverse(recent.messages.begin(), recent.messages.end());
    return recent;
}

}  // namespace samspil::server
