#include "rooms/room_chat.h"

#include "samspil/protocol/validation.h"
#include "samspil/time/clock.h"

#include <algorithm>

namespace samspil::server {

using namespace samspil::protocol;

RoomChat::RoomChat(RoomDirectory& directory, RoomReplies& replies, ChatArchive& archive, RelayMetrics& metrics,
                   const RoomLimits& limits)
    : directory_(directory), replies_(replies), archive_(archive), metrics_(metrics), limits_(limits) {}

void RoomChat::opened(const Room& room) {
    RoomHistory& history = rooms_[room.code];
    history = RoomHistory{};
    history.generation = room.generation;
    archive_.loadRecent(room.code, limits_.chatHistoryLength,
                        [this, code = room.code, generation = room.generation](StoredChat stored) {
                            onHistoryLoaded(code, generation, std::move(stored));
                        });
}

RoomChat::RoomHistory* RoomChat::historyOf(const std::string& code, std::uint64_t generation) {
    const auto it = rooms_.find(code);
    return it == rooms_.end() || it->second.generation != generation ? nullptr : &it->second;
}

void RoomChat::entered(const Participant& participant, const Room& room) {
    floodLimits_[participant.id] = TokenBucket(limits_.chatBurst, limits_.chatPerSecond, participant.lastHeardUs);
    RoomHistory* history = historyOf(room.code, room.generation);
    if (!history) return;
    if (history->loaded)
        sendHistory(participant.id, *history);
    else
        history->awaitingHistory.push_back(participant.id);
}

void RoomChat::onHistoryLoaded(const std::string& code, std::uint64_t generation, StoredChat stored) {
    RoomHistory* history = historyOf(code, generation);
    const Room* room = directory_.findRoom(code);
    if (!history || !room) return;  // the room closed meanwhile
    history->loaded = true;
    history->lastChatId = stored.lastId;
    history->recent.assign(stored.messages.begin(), stored.messages.end());
    for (ConnectionId waiting : history->awaitingHistory)
        if (std::find(room->members.begin(), room->members.end(), waiting) != room->members.end())
            sendHistory(waiting, *history);
    history->awaitingHistory.clear();
    auto pending = std::move(history->pendingChats);
    history->pendingChats.clear();
    for (auto& chat : pending) {
        const Participant* from = directory_.find(chat.from);
        if (from && from->joined()) post(*room, *history, *from, std::move(chat.text));
    }
}

void RoomChat::handle(Participant& participant, const ChatSend& chat, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    if (!isValidChatText(chat.text)) return replies_.refuse(participant.id, ErrorCode::InvalidChat);
    if (!floodLimits_[participant.id].take(1, nowUs)) return replies_.refuse(participant.id, ErrorCode::RateLimited, "chat");
    const Room& room = directory_.roomOf(participant);
    RoomHistory* history = historyOf(room.code, room.generation);
    if (!history) return;
    if (!history->loaded) {
        history->pendingChats.push_back({participant.id, chat.text});  // ids continue the stored history
        return;
    }
    post(room, *history, participant, chat.text);
}

void RoomChat::sendHistory(ConnectionId to, const RoomHistory& history) {
    // Split so that no single frame passes the client's text limit.
    ChatHistory part;
    std::size_t bytes = 0;
    for (const ChatMessage& message : history.recent) {
        const std::size_t size = message.text.size() + message.name.size() + 128;
        if (!part.messages.empty() && bytes + size > limits_.maxHistoryMessageBytes) {
            replies_.send(to, part);
            part.messages.clear();
            bytes = 0;
        }
        part.messages.push_back(message);
        bytes += size;
    }
    replies_.send(to, part);  // always at least one, possibly empty: "history complete"
}

void RoomChat::post(const Room& room, RoomHistory& history, const Participant& from, std::string text) {
    ChatMessage message;
    message.id = ++history.lastChatId;
    message.participantId = from.participantId;
    message.name = from.name;
    message.text = std::move(text);
    message.sentAtMs = unixMillis();
    // Echoed only once committed: a chat line anyone saw is still there after a crash.
    // The store runs jobs in order, so lines are echoed in the order they were typed.
    archive_.append(room.code, message,
                    [this, code = room.code, generation = room.generation, sender = from.id, message](bool stored) {
                        onStored(code, generation, sender, message, stored);
                    });
}

void RoomChat::onStored(const std::string& code, std::uint64_t generation, ConnectionId sender,
                        const ChatMessage& message, bool stored) {
    if (!stored) {
        if (directory_.find(sender)) replies_.refuse(sender, ErrorCode::Internal, "chat not saved");
        return;
    }
    RoomHistory* history = historyOf(code, generation);
    const Room* room = directory_.findRoom(code);
    if (!history || !room) return;  // everyone left meanwhile
    history->recent.push_back(message);
    while (history->recent.size() > static_cast<std::size_t>(limits_.chatHistoryLength)) history->recent.pop_front();
    ++metrics_.chatMessages;
    replies_.sendToMembers(*room, ServerMessage{message});
}

}  // namespace samspil::server
