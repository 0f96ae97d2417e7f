// StoredChatArchive: the ChatArchive backed by SQLite. Jobs run on the store thread;
// results come back to the service thread through the ServiceInbox.
#pragma once

#include "relay_types.h"

namespace samspil::server {

class ServiceInbox;
class StoreWorker;

class StoredChatArchive : public ChatArchive {
public:
    StoredChatArchive(StoreWorker& store, ServiceInbox& inbox) : store_(store), inbox_(inbox) {}

    void loadRecent(const std::string& room, int limit, std::function<void(StoredChat)> done) override;
    void append(const std::string& room, const protocol::ChatMessage& message,
                std::function<void(bool stored)> stored) override;

private:
    StoreWorker& store_;
    ServiceInbox& inbox_;
};

}  // namespace samspil::server
