#include "store/stored_chat_archive.h"

#include "log.h"
#include "service_inbox.h"
#include "store/chat_store.h"
#include "store/database.h"
#include "store/store_worker.h"

namespace samspil::server {

void StoredChatArchive::loadRecent(const std::string& room, int limit, std::function<void(StoredChat)> done) {
    store_.post([this, room, limit, done = std::move(done)](Database& db) mutable {
        StoredChat stored;
        try {
            RecentChat recent = ChatStore(db).loadRecent(room, limit);
            stored.messages = std::move(recent.messages);
            stored.lastId = recent.lastId;
        } catch (const StoreError& error) {
            // The room still opens; it just starts without history.
            logError("loading chat of room " + room + ": " + error.what());
        }
        inbox_.post([done = std::move(done), stored = std::move(stored)]() mutable { done(std::move(stored)); });
    });
}

void StoredChatArchive::append(const std::string& room, const protocol::ChatMessage& message,
                               std::function<void(bool stored)> stored) {
    store_.post([this, room, message, stored = std::move(stored)](Database& db) mutable {
        bool ok = false;
        try {
            ChatStore(db).append(room, message);
            ok = true;
        } catch (const std::exception& error) {
            logError("storing chat of room " + room + ": " + error.what());
        }
        inbox_.post([stored = std::move(stored), ok] { stored(ok); });
    });
}

}  // namespace samspil::server
