// Test doubles for RoomService: an outbox that keeps what it sent (and parses it back),
// chat storage whose loads complete when the test says so, open and scripted admission.
// Shared by the room service's unit tests.
#pragma once

#include "rooms/room_service.h"

#include "samspil/protocol/control_message.h"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace samspil::server::room_test {

using namespace samspil::protocol;


struct Sent {
    std::vector<std::string> texts;
    std::vector<SharedMedia> media;
    std::vector<SharedVideo> video;
    std::optional<int> closeCode;
    std::string closeReason;
};

class FakeOutbox : public Outbox {
public:
    void sendText(ConnectionId to, std::string text) override { sent[to].texts.push_back(std::move(text)); }
    void sendMedia(ConnectionId to, const SharedMedia& packet) override { sent[to].media.push_back(packet); }
    void sendVideo(ConnectionId to, const SharedVideo& frame) override { sent[to].video.push_back(frame); }
    void linkVideo(ConnectionId main, ConnectionId link) override { videoLinks[main] = link; }
    void detachVideo(ConnectionId main) override { videoLinks.erase(main); }
    std::map<ConnectionId, ConnectionId> videoLinks;
    void closeAfterFlush(ConnectionId who, int code, std::string reason) override {
        sent[who].closeCode = code;
        sent[who].closeReason = std::move(reason);
    }
    std::map<ConnectionId, Sent> sent;

    // Every server message sent to `to` of type T, in order.
    template <typename T>
    std::vector<T> messages(ConnectionId to) {
        std::vector<T> out;
        for (const auto& text : sent[to].texts) {
            auto parsed = parseServerMessage(text);
            REQUIRE(parsed);
            if (std::holds_alternative<T>(*parsed)) out.push_back(std::get<T>(*parsed));
        }
        return out;
    }
};

// Chat storage whose loads complete only when the test says so.
class FakeArchive : public ChatArchive {
public:
    void loadRecent(const std::string& room, int limit, std::function<void(StoredChat)> done) override {
        StoredChat stored;
        auto& messages = rooms[room];
        const std::size_t from = messages.size() > static_cast<std::size_t>(limit) ? messages.size() - limit : 0;
        stored.messages.assign(messages.begin() + static_cast<std::ptrdiff_t>(from), messages.end());
        stored.lastId = messages.empty() ? 0 : messages.back().id;
        pendingLoads.push_back([done, stored] { done(stored); });
        if (!deferLoads) completeLoads();
    }
    void append(const std::string& room, const ChatMessage& message, std::function<void(bool)> stored) override {
        if (failAppends) return stored(false);
        rooms[room].push_back(message);
        stored(true);
    }
    void completeLoads() {
        auto loads = std::move(pendingLoads);
        pendingLoads.clear();
        for (auto& load : loads) load();
    }
    std::map<std::string, std::vector<ChatMessage>> rooms;
    std::vector<std::function<void()>> pendingLoads;
    bool deferLoads = false;
    bool failAppends = false;
};

inline std::string join(const std::string& room, const std::string& name) {
    return serialize(ClientMessage{JoinRequest{room, name, std::nullopt, std::nullopt}});
}

inline std::vector<std::uint8_t> mediaMessage(std::uint16_t claimedStreamId, std::uint32_t sequence) {
    std::vector<std::uint8_t> out(64);
    const std::vector<std::uint8_t> payload{0xE8, 1, 2, 3, 4};
    out.resize(writeMediaPacket(MediaHeader{0, claimedStreamId, sequence, sequence * 240}, payload, out));
    return out;
}

struct Fixture {
    FakeOutbox outbox;
    FakeArchive archive;
    OpenRoomsPolicy policy;
    NoAudit audit;
    RelayMetrics metrics;
    RoomService rooms{outbox, archive, policy, audit, metrics};

    void connect(ConnectionId id, const std::string& room, const std::string& name) {
        rooms.onOpen(id, 0);
        rooms.onText(id, join(room, name), 1);
    }
};

// Admits by a script: each join gets the next scripted admission (answered at once).
class ScriptedPolicy : public JoinPolicy {
public:
    void admit(const JoinRequest&, std::function<void(Admission)> done) override {
        Admission next = script.front();
        script.erase(script.begin());
        done(next);
    }
    std::vector<Admission> script;
};

// A room service whose joins are admitted by a script.
struct ScriptedFixture {
    FakeOutbox outbox;
    FakeArchive archive;
    ScriptedPolicy policy;
    NoAudit audit;
    RelayMetrics metrics;
    RoomService rooms{outbox, archive, policy, audit, metrics};

    void joinAll(const std::string& room, std::initializer_list<ConnectionId> ids) {
        for (ConnectionId id : ids) {
            rooms.onOpen(id, 0);
            rooms.onText(id, join(room, "typed"), 1);
        }
    }
};

inline Admission schoolAdmission(RoomRole role, std::string name, std::int64_t personId) {
    Admission admission;
    admission.role = role;
    admission.displayName = std::move(name);
    admission.personId = personId;
    admission.schoolId = 1;
    return admission;
}


}  // namespace samspil::server::room_test
