// The server's room logic without sockets: joins, peers, chat and history, media
// fan-out and stamping, and what happens to peers that misbehave.
#include "room_service_fixture.h"

#include "samspil/time/clock.h"
#include "samspil/protocol/control_message.h"

#include <catch2/catch.hpp>

#include <map>

using namespace samspil::server;
using namespace samspil::server::room_test;
using namespace samspil::protocol;


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
    const std::int64_t epoch = samspil::monotonicMicros() + 5555;  // server-clock times lie near the server's clock
    f.rooms.onText(1, serialize(ClientMessage{StreamInfo{2, 120, epoch}}), 3);
    const auto peers = f.outbox.messages<PeerList>(2).back();
    REQUIRE(peers.peers[0].stream);
    CHECK(peers.peers[0].stream->channels == 2);
    CHECK(peers.peers[0].stream->epochServerUs == epoch);
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
