// RoomChat: a room's chat — its history loaded from the archive when the room opens and
// replayed to whoever enters, lines posted (echoed to the room only once stored, in the
// order typed), and a flood limit per participant. Service thread only.
#pragma once

#include "metrics.h"
#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/token_bucket.h"

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace samspil::server {

class RoomChat {
public:
    RoomChat(RoomDirectory& directory, RoomReplies& replies, ChatArchive& archive, RelayMetrics& metrics,
             const RoomLimits& limits);

    /// The room opened: its history starts loading.
    void opened(const Room& room);
    /// Someone entered: the history now, or once it has loaded.
    void entered(const Participant& participant, const Room& room);
    void handle(Participant& participant, const protocol::ChatSend& chat, std::int64_t nowUs);
    /// The participant left the room (or is gone).
    void left(ConnectionId id) { floodLimits_.erase(id); }
    /// The room closed: its chat is forgotten here (it stays in the archive).
    void closed(const Room& room) { rooms_.erase(room.code); }

private:
    struct PendingChat {
        ConnectionId from = 0;
        std::string text;
    };
    struct RoomHistory {
        std::uint64_t generation = 0;
        bool loaded = false;
        std::deque<protocol::ChatMessage> recent;
        std::uint64_t lastChatId = 0;
        std::vector<PendingChat> pendingChats;      // typed while the history was loading
        std::vector<ConnectionId> awaitingHistory;  // entered while the history was loading
    };

    void onHistoryLoaded(const std::string& code, std::uint64_t generation, StoredChat stored);
    void sendHistory(ConnectionId to, const RoomHistory& history);
    void post(const Room& room, RoomHistory& history, const Participant& from, std::string text);
    void onStored(const std::string& code, std::uint64_t generation, ConnectionId sender,
                  const protocol::ChatMessage& message, bool stored);
    RoomHistory* historyOf(const std::string& code, std::uint64_t generation);

    RoomDirectory& directory_;
    RoomReplies& replies_;
    ChatArchive& archive_;
    RelayMetrics& metrics_;
    const RoomLimits& limits_;
    std::unordered_map<std::string, RoomHistory> rooms_;
    std::unordered_map<ConnectionId, TokenBucket> floodLimits_;
};

}  // namespace samspil::server
