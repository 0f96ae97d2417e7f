// The server's room logic without sockets: joins, peers, chat and history, media
// fan-out and stamping, and what happens to peers that misbehave.
#include "room_service.h"

#include "samspil/core/clock.h"
#include "samspil/core/control_message.h"

#include <catch2/catch.hpp>

#include <map>

using namespace samspil::server;
using namespace samspil::protocol;

namespace {

struct Sent {
    std::vector<std::string> texts;
    std::vector<SharedMedia> media;
    std::optional<int> closeCode;
    std::string closeReason;
};

class FakeOutbox : public Outbox {
public:
    void sendText(ConnectionId to, std::string text) override { sent[to].texts.push_back(std::move(text)); }
    void sendMedia(ConnectionId to, const SharedMedia& packet) override { sent[to].media.push_back(packet); }
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

std::string join(const std::string& room, const std::string& name) {
    return serialize(ClientMessage{JoinRequest{room, name, std::nullopt, std::nullopt}});
}

std::vector<std::uint8_t> mediaMessage(std::uint16_t claimedStreamId, std::uint32_t sequence) {
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

Admission schoolAdmission(RoomRole role, std::string name, std::int64_t personId) {
    Admission admission;
    admission.role = role;
    admission.displayName = std::move(name);
    admission.personId = personId;
    admission.schoolId = 1;
    return admission;
}

}  // namespace

TEST_CASE("in a school's room the student waits, unheard and hearing nothing, until let in", "[server][rooms][controls]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    policy.script = {schoolAdmission(RoomRole::Teacher, "Lise", 10), schoolAdmission(RoomRole::Student, "Ida", 11)};
    f.joinAll("klaver", {1, 2});
    CHECK(outbox.messages<Welcome>(1).size() == 1);
    REQUIRE(outbox.messages<Waiting>(2).size() == 1);
    CHECK(outbox.messages<Welcome>(2).empty());
    const auto state = outbox.messages<RoomState>(1).back();
    REQUIRE(state.waiting.size() == 1);
    CHECK(state.waiting[0].name == "Ida");

    rooms.onBinary(1, mediaMessage(0, 1), 5);
    rooms.onBinary(2, mediaMessage(0, 1), 5);
    CHECK(outbox.sent[1].media.empty());  // the waiting student is not heard
    CHECK(outbox.sent[2].media.empty());  // and hears nothing
    CHECK(outbox.messages<ErrorMessage>(2).empty());  // sending while waiting is not an error

    rooms.onText(1, serialize(ClientMessage{Admit{state.waiting[0].participantId}}), 6);
    REQUIRE(outbox.messages<Welcome>(2).size() == 1);
    CHECK(outbox.messages<Welcome>(2)[0].role == "student");
    rooms.onBinary(1, mediaMessage(0, 2), 7);
    CHECK(outbox.sent[2].media.size() == 1);
    CHECK(rooms.participantCount() == 2);
}

TEST_CASE("a muted participant's media is dropped at the server until unmuted", "[server][rooms][controls]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    Admission dropIn = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    dropIn.dropIn = true;
    Admission student = schoolAdmission(RoomRole::Student, "Ida", 11);
    student.dropIn = true;
    policy.script = {dropIn, student};
    f.joinAll("workshop", {1, 2});
    const auto ida = outbox.messages<Welcome>(2).at(0).participantId;
    rooms.onText(1, serialize(ClientMessage{Mute{ida, true}}), 2);
    rooms.onBinary(2, mediaMessage(0, 1), 3);
    CHECK(outbox.sent[1].media.empty());
    CHECK(metrics.mediaDroppedMuted == 1);
    CHECK(outbox.messages<Notice>(2).back().code == "muted");
    rooms.onText(2, serialize(ClientMessage{Mute{ida, false}}), 4);  // a student cannot unmute themselves
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotAllowed);
    rooms.onText(1, serialize(ClientMessage{Mute{ida, false}}), 5);
    rooms.onBinary(2, mediaMessage(0, 2), 6);
    CHECK(outbox.sent[1].media.size() == 1);
}

TEST_CASE("joining gives a welcome, the peer list to everyone, and the chat history", "[server][rooms]") {
    Fixture f;
    f.connect(1, "klaver", "Lærer Lise");
    auto welcomes = f.outbox.messages<Welcome>(1);
    REQUIRE(welcomes.size() == 1);
    CHECK(welcomes[0].room == "klaver");
    CHECK(f.outbox.messages<ChatHistory>(1).size() == 1);

    f.connect(2, "klaver", "  Elev Emil ");
    auto peersSeenByFirst = f.outbox.messages<PeerList>(1);
    REQUIRE(peersSeenByFirst.size() == 2);
    REQUIRE(peersSeenByFirst.back().peers.size() == 2);
    CHECK(peersSeenByFirst.back().peers[1].name == "Elev Emil");  // trimmed
    CHECK(f.rooms.participantCount() == 2);
    CHECK(f.rooms.roomCount() == 1);

    f.rooms.onClose(1);
    auto peersSeenBySecond = f.outbox.messages<PeerList>(2);
    CHECK(peersSeenBySecond.back().peers.size() == 1);
    f.rooms.onClose(2);
    CHECK(f.rooms.roomCount() == 0);
    CHECK(f.rooms.participantCount() == 0);
}

TEST_CASE("media goes to everyone else in the room, stamped with the sender's id", "[server][rooms][media]") {
    Fixture f;
    f.connect(1, "duo", "A");
    f.connect(2, "duo", "B");
    f.connect(3, "duo", "C");
    f.connect(4, "other", "D");
    const auto senderStream = f.outbox.messages<Welcome>(1)[0].streamId;
    const auto bStream = f.outbox.messages<Welcome>(2)[0].streamId;

    // A claims to be B: the server overwrites the id.
    f.rooms.onBinary(1, mediaMessage(bStream, 7), 100);
    CHECK(f.outbox.sent[1].media.empty());
    CHECK(f.outbox.sent[4].media.empty());
    REQUIRE(f.outbox.sent[2].media.size() == 1);
    REQUIRE(f.outbox.sent[3].media.size() == 1);
    CHECK(f.outbox.sent[2].media[0] == f.outbox.sent[3].media[0]);  // one shared buffer, not copies
    auto parsed = parseMediaPacket(f.outbox.sent[2].media[0]->encoded());
    REQUIRE(parsed);
    CHECK(parsed->header.streamId == senderStream);
    CHECK(parsed->header.sequence == 7);
    CHECK(f.outbox.sent[2].media[0]->receivedUs == 100);
    CHECK(f.metrics.mediaPacketsIn == 1);
}

TEST_CASE("a second copy of a packet (a twin's or a UDP repeat) is marked as a repeat, also a stream start's",
          "[server][rooms][media][udp]") {
    Fixture f;
    f.connect(1, "duo", "A");
    f.connect(2, "duo", "B");
    auto startPacket = [](std::uint32_t sequence) {
        std::vector<std::uint8_t> out(64);
        const std::vector<std::uint8_t> payload{0xE8, 1, 2};
        out.resize(writeMediaPacket(MediaHeader{kMediaFlagStreamStart, 0, sequence, 0}, payload, out));
        return out;
    };
    // The start, twice (as a media twin sends it), then the next two, the second of them twice.
    f.rooms.onBinary(1, startPacket(40), 10);
    f.rooms.onBinary(1, startPacket(40), 11);
    f.rooms.onBinary(1, mediaMessage(0, 41), 12);
    f.rooms.onBinary(1, mediaMessage(0, 42), 13);
    f.rooms.onBinary(1, mediaMessage(0, 42), 14);
    const auto& got = f.outbox.sent[2].media;
    REQUIRE(got.size() == 5);  // the room logic passes all on; the Outbox sends repeats only where they help
    std::vector<bool> repeats;
    for (const auto& packet : got) repeats.push_back(packet->repeat);
    CHECK(repeats == std::vector<bool>{false, true, false, false, true});
    // A real restart (a start packet not seen before) is a first time again.
    f.rooms.onBinary(1, startPacket(7), 20);
    CHECK_FALSE(f.outbox.sent[2].media.back()->repeat);
}

TEST_CASE("bad media and media before join get errors - too many errors close the connection", "[server][rooms]") {
    Fixture f;
    f.rooms.onOpen(1, 0);
    f.rooms.onBinary(1, mediaMessage(0, 1), 1);
    f.rooms.onBinary(1, mediaMessage(0, 2), 1);
    auto errors = f.outbox.messages<ErrorMessage>(1);
    REQUIRE(errors.size() == 1);  // warned once, then counted quietly
    CHECK(errors[0].code == ErrorCode::NotJoined);
    CHECK(f.metrics.mediaDroppedNotJoined == 2);

    f.rooms.onText(1, join("room", "X"), 2);
    const std::vector<std::uint8_t> garbage{0xde, 0xad, 0xbe, 0xef};
    f.rooms.onBinary(1, garbage, 3);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::BadMedia);
    CHECK_FALSE(f.outbox.sent[1].closeCode);
    for (int i = 0; i < 25; ++i) f.rooms.onText(1, "not json", 4);
    errors = f.outbox.messages<ErrorMessage>(1);
    CHECK(errors.back().code == ErrorCode::TooManyErrors);
    CHECK(errors.back().fatal);
    CHECK(f.outbox.sent[1].closeCode == kClosePolicy);
    CHECK(f.rooms.participantCount() == 0);  // gone from the room at once
}

TEST_CASE("each malformed message gets its own clear error code", "[server][rooms]") {
    Fixture f;
    f.connect(1, "r", "A");
    f.rooms.onText(1, "{oops", 2);
    f.rooms.onText(1, R"({"v":1,"type":"dance"})", 2);
    f.rooms.onText(1, R"({"v":9,"type":"chat","text":"x"})", 2);
    f.rooms.onText(1, R"({"v":1,"type":"chat"})", 2);
    f.rooms.onText(1, join("r", "A"), 2);
    f.rooms.onText(1, R"({"v":1,"type":"chat","text":"   "})", 2);
    const auto errors = f.outbox.messages<ErrorMessage>(1);
    REQUIRE(errors.size() == 6);
    CHECK(errors[0].code == ErrorCode::BadJson);
    CHECK(errors[1].code == ErrorCode::UnknownType);
    CHECK(errors[2].code == ErrorCode::UnsupportedVersion);
    CHECK(errors[3].code == ErrorCode::BadMessage);
    CHECK(errors[4].code == ErrorCode::AlreadyJoined);
    CHECK(errors[5].code == ErrorCode::InvalidChat);
    for (const auto& e : errors) CHECK_FALSE(e.fatal);
    CHECK_FALSE(f.outbox.sent[1].closeCode);
}

TEST_CASE("an invalid room or name refuses the join and closes", "[server][rooms]") {
    Fixture f;
    f.rooms.onOpen(1, 0);
    f.rooms.onText(1, join("no spaces allowed", "A"), 1);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::InvalidRoom);
    CHECK(f.outbox.sent[1].closeCode == kClosePolicy);
    f.rooms.onOpen(2, 0);
    f.rooms.onText(2, join("ok", "\t"), 1);
    CHECK(f.outbox.messages<ErrorMessage>(2).back().code == ErrorCode::InvalidName);
    CHECK(f.rooms.participantCount() == 0);
}

TEST_CASE("a full room refuses the next participant", "[server][rooms]") {
    FakeOutbox outbox;
    FakeArchive archive;
    OpenRoomsPolicy policy;
    NoAudit audit;
    RelayMetrics metrics;
    RoomLimits limits;
    limits.maxParticipantsPerRoom = 2;
    RoomService rooms(outbox, archive, policy, audit, metrics, limits);
    for (ConnectionId id = 1; id <= 3; ++id) {
        rooms.onOpen(id, 0);
        rooms.onText(id, join("trio", "P" + std::to_string(id)), 1);
    }
    CHECK(outbox.messages<ErrorMessage>(3).back().code == ErrorCode::RoomFull);
    CHECK(rooms.participantCount() == 2);
}

TEST_CASE("chat is relayed to the room, stored, and the last 50 replayed to a newcomer", "[server][rooms][chat]") {
    Fixture f;
    f.connect(1, "kor", "Dirigent");
    f.connect(2, "kor", "Alt");
    for (int i = 1; i <= 60; ++i)  // one a second: within the flood limit
        f.rooms.onText(1, serialize(ClientMessage{ChatSend{"besked " + std::to_string(i) + " æøå"}}), i * 1'000'000);
    const auto seenByAlt = f.outbox.messages<ChatMessage>(2);
    REQUIRE(seenByAlt.size() == 60);
    CHECK(seenByAlt[0].name == "Dirigent");
    CHECK(seenByAlt[59].id == 60);
    CHECK(f.archive.rooms["kor"].size() == 60);

    f.connect(3, "kor", "Sopran");
    const auto history = f.outbox.messages<ChatHistory>(3);
    std::vector<ChatMessage> replayed;
    for (const auto& part : history) replayed.insert(replayed.end(), part.messages.begin(), part.messages.end());
    REQUIRE(replayed.size() == 50);
    CHECK(replayed.front().id == 11);
    CHECK(replayed.back().text == "besked 60 æøå");
}

TEST_CASE("chat history continues across room reopenings, with ids that never repeat", "[server][rooms][chat]") {
    Fixture f;
    f.archive.deferLoads = true;
    f.archive.rooms["teori"] = {ChatMessage{1, 0, "Old", "earlier run", 1}, ChatMessage{2, 0, "Old", "again", 2}};
    f.connect(1, "teori", "A");
    // Typed while the stored history is still loading: held, then numbered after it.
    f.rooms.onText(1, serialize(ClientMessage{ChatSend{"first!"}}), 2);
    CHECK(f.outbox.messages<ChatMessage>(1).empty());
    f.archive.completeLoads();
    const auto history = f.outbox.messages<ChatHistory>(1);
    REQUIRE(history.size() == 1);
    CHECK(history[0].messages.size() == 2);
    const auto live = f.outbox.messages<ChatMessage>(1);
    REQUIRE(live.size() == 1);
    CHECK(live[0].id == 3);
    CHECK(f.archive.rooms["teori"].back().text == "first!");
}

TEST_CASE("a large history is split so no frame passes the client's limit", "[server][rooms][chat]") {
    Fixture f;
    f.connect(1, "big", "A");
    const std::string longText(2000, 'x');
    for (int i = 0; i < 50; ++i) f.rooms.onText(1, serialize(ClientMessage{ChatSend{longText}}), i * 1'000'000);
    f.connect(2, "big", "B");
    std::size_t total = 0;
    for (const auto& text : f.outbox.sent[2].texts) CHECK(text.size() < kMaxControlMessageBytes);
    for (const auto& part : f.outbox.messages<ChatHistory>(2)) total += part.messages.size();
    CHECK(total == 50);
    CHECK(f.outbox.messages<ChatHistory>(2).size() > 1);
}

TEST_CASE("a chat flood is refused after a burst, and allowed again after a pause", "[server][rooms][chat]") {
    Fixture f;
    f.connect(1, "r", "Spammer");
    for (int i = 0; i < 15; ++i) f.rooms.onText(1, serialize(ClientMessage{ChatSend{"spam"}}), 1'000'000);
    CHECK(f.outbox.messages<ChatMessage>(1).size() == 10);
    const auto errors = f.outbox.messages<ErrorMessage>(1);
    REQUIRE(errors.size() == 5);
    CHECK(errors[0].code == ErrorCode::RateLimited);
    CHECK_FALSE(errors[0].fatal);
    f.rooms.onText(1, serialize(ClientMessage{ChatSend{"after a breath"}}), 2'000'000);
    CHECK(f.outbox.messages<ChatMessage>(1).back().text == "after a breath");
    CHECK(f.archive.rooms["r"].size() == 11);
}

TEST_CASE("pings are answered with the server clock, even before join", "[server][rooms]") {
    Fixture f;
    f.rooms.onOpen(1, 0);
    f.rooms.onText(1, serialize(ClientMessage{Ping{5, 1234}}), 777);
    const auto pongs = f.outbox.messages<Pong>(1);
    REQUIRE(pongs.size() == 1);
    CHECK(pongs[0].id == 5);
    CHECK(pongs[0].clientUs == 1234);
    CHECK(pongs[0].serverUs == 777);
}

TEST_CASE("stream announcements reach the others in the peer list", "[server][rooms]") {
    Fixture f;
    f.connect(1, "s", "A");
    f.connect(2, "s", "B");
    f.rooms.onText(1, serialize(ClientMessage{StreamInfo{2, 120, 5555}}), 3);
    const auto peers = f.outbox.messages<PeerList>(2).back();
    REQUIRE(peers.peers[0].stream);
    CHECK(peers.peers[0].stream->channels == 2);
    CHECK(peers.peers[0].stream->epochServerUs == 5555);
}

TEST_CASE("quiet connections time out - leave and shutdown close politely", "[server][rooms]") {
    Fixture f;
    f.rooms.onOpen(1, 0);              // never joins
    f.connect(2, "r", "Talker");
    f.connect(3, "r", "Leaver");
    f.rooms.closeIdle(11'000'000);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::IdleTimeout);
    CHECK_FALSE(f.outbox.sent[2].closeCode);

    f.rooms.onText(3, serialize(ClientMessage{Leave{}}), 12'000'000);
    CHECK(f.outbox.sent[3].closeCode == kCloseNormal);
    CHECK(f.outbox.messages<PeerList>(2).back().peers.size() == 1);

    f.rooms.shutdown();
    CHECK(f.outbox.messages<ErrorMessage>(2).back().code == ErrorCode::ServerShuttingDown);
    CHECK(f.outbox.sent[2].closeCode == kCloseGoingAway);
}

TEST_CASE("a shared tempo reaches the whole room and whoever joins later, at a sane rate", "[server][rooms][tempo]") {
    Fixture f;
    f.connect(1, "song", "Jonas");
    f.connect(2, "song", "Maja");
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{96, 6, 8}}), 1'000'000);
    for (ConnectionId id : {1, 2}) {
        const auto tempos = f.outbox.messages<RoomTempo>(id);
        REQUIRE(tempos.size() == 1);
        CHECK(tempos[0].name == "Jonas");
        CHECK(tempos[0].tempo.bpm == 96);
        CHECK(tempos[0].tempo.numerator == 6);
    }
    // A second change 50 ms later is refused (not fatal); one after 200 ms goes through.
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{97, 6, 8}}), 1'050'000);
    CHECK(f.outbox.messages<RoomTempo>(2).size() == 1);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::RateLimited);
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{98, 6, 8}}), 1'250'000);
    CHECK(f.outbox.messages<RoomTempo>(2).back().tempo.bpm == 98);

    f.connect(3, "song", "Late");
    const auto late = f.outbox.messages<RoomTempo>(3);
    REQUIRE(late.size() == 1);
    CHECK(late[0].tempo.bpm == 98);

    f.rooms.onOpen(4, 0);  // not in a room
    f.rooms.onText(4, serialize(ClientMessage{TempoShare{98, 4, 4}}), 2'000'000);
    CHECK(f.outbox.messages<ErrorMessage>(4).back().code == ErrorCode::NotJoined);
}

namespace {

// A recorder that answers begin() when the test says so, and notes what it was given.
class FakeRecorder : public RecordingSink {
public:
    explicit FakeRecorder(FakeOutbox& outbox) : outbox_(outbox) {}
    void begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) override {
        started.push_back(start);
        pendingBegin = std::move(done);
    }
    void present(std::int64_t, std::int64_t personId, bool recorded) override { presentPeople[personId] = recorded; }
    void track(std::int64_t, const Track& track) override { tracks.push_back(track); }
    void media(std::int64_t, std::uint32_t participantId, std::int64_t position, const SharedMedia&) override {
        if (packets.empty())  // the first packet stored: had every member been told?
            for (ConnectionId member : members) {
                const auto states = outbox_.messages<RoomState>(member);
                toldBeforeFirstPacket = toldBeforeFirstPacket && !states.empty() && states.back().recording.has_value();
            }
        packets.emplace_back(participantId, position);
    }
    void end(std::int64_t recording, std::int64_t length) override { ended.emplace_back(recording, length); }

    std::vector<Start> started;
    std::function<void(std::optional<std::int64_t>)> pendingBegin;
    std::map<std::int64_t, bool> presentPeople;
    std::vector<Track> tracks;
    std::vector<std::pair<std::uint32_t, std::int64_t>> packets;
    std::vector<std::pair<std::int64_t, std::int64_t>> ended;
    std::vector<ConnectionId> members;
    bool toldBeforeFirstPacket = true;

private:
    FakeOutbox& outbox_;
};

std::string control(const ClientMessage& message) {
    return serialize(message);
}

}  // namespace

TEST_CASE("recording: everyone is told before a packet is stored, and a person who may not be recorded is left out",
          "[server][rooms][recording]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    recorder.members = {1, 2, 3};
    rooms.useRecordings(recorder);
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    Admission noConsent = schoolAdmission(RoomRole::Student, "Emil", 12);
    noConsent.mayBeRecorded = false;
    policy.script = {teacher, schoolAdmission(RoomRole::Student, "Ida", 11), noConsent};
    f.joinAll("klaver", {1, 2, 3});
    const auto idOf = [&f](ConnectionId id) { return f.outbox.messages<Welcome>(id).at(0).participantId; };

    rooms.onText(1, control(Record{true}), 10);
    REQUIRE(recorder.started.size() == 1);
    CHECK(recorder.started[0].room == "klaver");
    CHECK(recorder.started[0].startedBy == 10);
    // Until the recorder has answered, nothing is recorded and nobody is told.
    rooms.onBinary(2, mediaMessage(0, 1), 20);
    CHECK(recorder.packets.empty());
    CHECK_FALSE(outbox.messages<RoomState>(2).back().recording);

    recorder.pendingBegin(41);
    for (ConnectionId member : {1, 2, 3}) {
        const auto state = outbox.messages<RoomState>(member).back();
        REQUIRE(state.recording);
        CHECK(state.recording->notRecorded == std::vector<std::uint32_t>{idOf(3)});
        const auto notices = outbox.messages<Notice>(member);
        CHECK(std::any_of(notices.begin(), notices.end(), [](const Notice& n) { return n.code == "recording_started"; }));
    }
    CHECK(recorder.presentPeople == std::map<std::int64_t, bool>{{10, true}, {11, true}, {12, false}});

    // Their streams' clocks: media timestamp 0 is a second from now on the server's clock.
    const std::int64_t epoch = samspil::monotonicMicros() + 1'000'000;
    for (ConnectionId from : {1, 2, 3}) rooms.onText(from, control(StreamInfo{1, 240, epoch}), 25);
    for (std::uint32_t sequence = 2; sequence < 6; ++sequence)
        for (ConnectionId from : {1, 2, 3}) rooms.onBinary(from, mediaMessage(0, sequence), 30);
    CHECK(recorder.toldBeforeFirstPacket);
    REQUIRE(recorder.tracks.size() == 2);  // Lise and Ida; never Emil
    for (const auto& [participant, position] : recorder.packets) CHECK(participant != idOf(3));
    CHECK(recorder.packets.size() == 8);
    // A participant's packets follow their media timestamps (240 samples apart).
    CHECK(recorder.packets[2].second - recorder.packets[0].second == 240);
    CHECK(recorder.packets[0].second >= 48000 + 2 * 240 - 48);  // a second after the start, at timestamp 480

    // Stopping: everyone is told, and the recorder ends it.
    rooms.onText(1, control(Record{false}), 40);
    REQUIRE(recorder.ended.size() == 1);
    CHECK(recorder.ended[0].first == 41);
    for (ConnectionId member : {1, 2, 3}) CHECK_FALSE(outbox.messages<RoomState>(member).back().recording);
    rooms.onBinary(2, mediaMessage(0, 9), 50);
    CHECK(recorder.packets.size() == 8);
}

TEST_CASE("recording: only the teacher starts it, only in a school's room, and the last one out ends it",
          "[server][rooms][recording]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    rooms.useRecordings(recorder);
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    policy.script = {teacher, schoolAdmission(RoomRole::Student, "Ida", 11)};
    f.joinAll("klaver", {1, 2});
    rooms.onText(2, control(Record{true}), 10);
    CHECK(recorder.started.empty());
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotAllowed);

    rooms.onText(1, control(Record{true}), 10);
    recorder.pendingBegin(7);
    rooms.onClose(1);
    CHECK(recorder.ended.empty());  // Ida is still in it
    rooms.onClose(2);
    REQUIRE(recorder.ended.size() == 1);
    CHECK(recorder.ended[0].first == 7);

    // An open room (no school) has nobody to keep its recordings for.
    Fixture open;
    FakeRecorder openRecorder(open.outbox);
    open.rooms.useRecordings(openRecorder);
    open.connect(5, "open-room", "Ada");
    open.rooms.onText(5, control(Record{true}), 10);
    CHECK(openRecorder.started.empty());
    CHECK(open.outbox.messages<ErrorMessage>(5).back().code == ErrorCode::NotAllowed);
}

TEST_CASE("the room's metronome: the teacher sets it, the server sends a grid ahead of time, changes keep the bar lines",
          "[server][rooms][metronome]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    Admission student = schoolAdmission(RoomRole::Student, "Ida", 11);
    student.dropIn = true;
    Admission late = schoolAdmission(RoomRole::Student, "Emil", 12);
    late.dropIn = true;
    policy.script = {teacher, student, late};
    f.joinAll("band", {1, 2});

    // A student may not start it; the teacher may, and both hear the same grid, 300 ms ahead.
    rooms.onText(2, serialize(ClientMessage{MetronomeSet{true, 120, 4, true}}), 1'000'000);
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotAllowed);
    CHECK(outbox.messages<RoomMetronome>(1).empty());
    const std::int64_t before = samspil::monotonicMicros();
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 120, 4, true}}), 2'000'000);
    const std::int64_t after = samspil::monotonicMicros();
    for (ConnectionId id : {1, 2}) {
        const auto grids = outbox.messages<RoomMetronome>(id);
        REQUIRE(grids.size() == 1);
        CHECK(grids[0].running);
        CHECK(grids[0].name == "Lise");
        CHECK(grids[0].startServerUs >= before + 300'000);
        CHECK(grids[0].startServerUs <= after + 300'000);
    }
    const auto first = outbox.messages<RoomMetronome>(1).back();

    // A newcomer gets the running grid after its welcome.
    f.joinAll("band", {3});
    REQUIRE(outbox.messages<RoomMetronome>(3).size() == 1);
    CHECK(outbox.messages<RoomMetronome>(3)[0].startServerUs == first.startServerUs);

    // A new tempo while it runs starts on one of the old grid's bar lines (every 2 s at
    // 120 BPM in 4), so nobody hears the beat jump.
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 90, 3, true}}), 3'000'000);
    const auto changed = outbox.messages<RoomMetronome>(2).back();
    CHECK(changed.bpm == 90);
    CHECK(changed.beatsPerBar == 3);
    CHECK((changed.startServerUs - first.startServerUs) % 2'000'000 == 0);
    CHECK(changed.startServerUs >= first.startServerUs);

    // Too fast a change is refused; a stop reaches everyone, and a newcomer gets nothing.
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 91, 3, true}}), 3'050'000);
    CHECK(outbox.messages<ErrorMessage>(1).back().code == ErrorCode::RateLimited);
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{false, 90, 3, true}}), 3'500'000);
    CHECK_FALSE(outbox.messages<RoomMetronome>(3).back().running);
}
