// The session's protocol logic without sockets, on fake time: backoff and reconnect (the
// first connection too), resume, refusals, pings and the clock, stream announcements, leave.
#include "samspil/net/session_machine.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace samspil;
using namespace samspil::net;
using namespace samspil::protocol;

namespace {

struct RecordingListener : SessionListener {
    void onStateChanged(SessionState state, const std::string& reason) override {
        states.push_back(state);
        reasons.push_back(reason);
    }
    void onWelcome(const Welcome&) override { ++welcomes; }
    void onPeers(const PeerList& peers) override { lastPeerCount = static_cast<int>(peers.peers.size()); }
    std::vector<SessionState> states;
    std::vector<std::string> reasons;
    int welcomes = 0;
    int lastPeerCount = -1;
};

// The server's clock in these tests (the epochs the machine announces lie near it).
constexpr std::int64_t kServerNowUs = 12'000'000;

// Everything the machine queued, parsed back as the server would.
std::vector<ClientMessage> drain(SessionMachine& machine) {
    std::vector<ClientMessage> out;
    while (auto text = machine.takeOutgoing()) {
        auto parsed = parseClientMessage(*text, kServerNowUs);
        REQUIRE(parsed);
        out.push_back(*parsed);
    }
    return out;
}

template <typename T>
const T* find(const std::vector<ClientMessage>& messages) {
    for (const auto& m : messages)
        if (std::holds_alternative<T>(m)) return &std::get<T>(m);
    return nullptr;
}

std::string welcome(const char* resumeToken = nullptr) {
    Welcome w;
    w.participantId = 7;
    w.streamId = 3;
    w.room = "klaver-1";
    w.serverUs = 1;
    w.role = "student";
    if (resumeToken) w.resumeToken = resumeToken;
    return serialize(ServerMessage{w});
}

std::string pong(std::uint32_t id, std::int64_t clientUs, std::int64_t serverUs) {
    return serialize(ServerMessage{Pong{id, clientUs, serverUs}});
}

std::string fatalError(ErrorCode code) {
    return serialize(ServerMessage{ErrorMessage{code, "nope", true, std::nullopt}});
}

SessionConfig config() {
    SessionConfig c;
    c.serverUrl = "ws://127.0.0.1:7400";
    c.room = "klaver-1";
    c.name = "Ida";
    return c;
}

}  // namespace

TEST_CASE("backoff: 250 ms, 0.5, 1, 2, 4, then every 5 s, each plus up to 20 %", "[session]") {
    const std::int64_t bases[] = {250'000, 500'000, 1'000'000, 2'000'000, 4'000'000, 5'000'000, 5'000'000};
    for (std::size_t attempt = 0; attempt < std::size(bases); ++attempt)
        for (std::uint32_t random : {0u, 1u, 12345u, 0xFFFFFFFFu}) {
            const std::int64_t delay = backoffDelayUs(attempt, random);
            CHECK(delay >= bases[attempt]);
            CHECK(delay < bases[attempt] * 6 / 5);
        }
}

TEST_CASE("the first connection is retried like any later drop, and a join resets the backoff", "[session]") {
    RecordingListener listener;
    SessionMachine machine(config(), listener, 42);
    std::int64_t now = 1'000'000;
    machine.start(now);
    CHECK(machine.state() == SessionState::Connecting);
    REQUIRE(machine.takeConnectRequest());
    CHECK_FALSE(machine.takeConnectRequest());
    // The handshake never completes (no 101): the connection is gone all the same.
    std::vector<std::int64_t> waits;
    for (int attempt = 0; attempt < 7; ++attempt) {
        machine.onDisconnected("no answer from the server (handshake timed out)", now);
        CHECK(machine.state() == SessionState::Reconnecting);
        CHECK_FALSE(machine.finished());
        const std::int64_t due = machine.nextDeadlineUs();
        waits.push_back(due - now);
        machine.onTimer(due - 1);
        CHECK_FALSE(machine.takeConnectRequest());  // not yet
        now = due;
        machine.onTimer(now);
        REQUIRE(machine.takeConnectRequest());
        CHECK(machine.state() == SessionState::Connecting);  // never joined: still the first connection
    }
    CHECK(waits[0] >= 250'000);
    CHECK(waits[0] < 300'000);
    CHECK(waits[4] >= 4'000'000);
    CHECK(waits[6] >= 5'000'000);
    CHECK(waits[6] < 6'000'000);
    CHECK(listener.reasons[1].find("handshake timed out") != std::string::npos);

    // It finally connects and joins; the next drop starts the backoff from the beginning.
    machine.onConnected(now);
    machine.onServerText(welcome(), now);
    CHECK(machine.state() == SessionState::Joined);
    machine.onDisconnected("connection closed", now);
    CHECK(machine.nextDeadlineUs() - now < 300'000);
    now = machine.nextDeadlineUs();
    machine.onTimer(now);
    CHECK(machine.state() == SessionState::Reconnecting);  // it had joined before
    REQUIRE(machine.takeConnectRequest());
    machine.onConnected(now);
    machine.onServerText(welcome(), now);
    CHECK(machine.reconnects() == 1);
}

TEST_CASE("a guest joins with the invite once and comes back with the resume token", "[session]") {
    RecordingListener listener;
    SessionConfig c = config();
    c.invite = "ABCD-EFGH";
    SessionMachine machine(c, listener, 1);
    machine.start(0);
    machine.takeConnectRequest();
    machine.onConnected(10);
    auto sent = drain(machine);
    const auto* join = find<JoinRequest>(sent);
    REQUIRE(join);
    CHECK(join->invite == std::optional<std::string>("ABCD-EFGH"));
    CHECK_FALSE(join->token);
    CHECK(find<Ping>(sent));
    machine.onServerText(welcome("resume-123"), 20);
    CHECK(machine.resumeToken() == std::optional<std::string>("resume-123"));
    machine.onDisconnected("connection closed", 30);
    CHECK(listener.lastPeerCount == 0);  // the room is gone from view until we are back
    machine.onTimer(machine.nextDeadlineUs());
    machine.takeConnectRequest();
    machine.onConnected(400'000);
    sent = drain(machine);
    join = find<JoinRequest>(sent);
    REQUIRE(join);
    CHECK(join->token == std::optional<std::string>("resume-123"));
    CHECK_FALSE(join->invite);  // a used single-use invite would be refused
}

TEST_CASE("a refusal for good ends the session, a server going away is retried", "[session]") {
    RecordingListener listener;
    SessionMachine locked(config(), listener, 1);
    locked.start(0);
    locked.takeConnectRequest();
    locked.onConnected(0);
    locked.onServerText(fatalError(ErrorCode::RoomLocked), 5);
    CHECK(locked.state() == SessionState::Refused);
    locked.onServerClose(1008, "room_locked");
    locked.onDisconnected("connection closed", 6);
    CHECK(locked.finished());
    CHECK(locked.nextDeadlineUs() == SessionMachine::kNever);
    locked.stop();
    CHECK(locked.state() == SessionState::Refused);

    SessionMachine restarting(config(), listener, 1);
    restarting.start(0);
    restarting.takeConnectRequest();
    restarting.onConnected(0);
    restarting.onServerText(welcome(), 1);
    restarting.onServerText(fatalError(ErrorCode::ServerShuttingDown), 2);
    restarting.onServerClose(1001, "server_shutting_down");
    CHECK(listener.reasons.back().find("1001") != std::string::npos);
    restarting.onDisconnected("connection closed", 3);
    CHECK_FALSE(restarting.finished());
    CHECK(restarting.state() == SessionState::Reconnecting);
    CHECK(restarting.nextDeadlineUs() != SessionMachine::kNever);
}

TEST_CASE("pings: ten quick ones to learn the clock, then two a second, the offset comes from pongs", "[session]") {
    RecordingListener listener;
    SessionMachine machine(config(), listener, 1);
    machine.start(0);
    machine.takeConnectRequest();
    std::int64_t now = 1'000'000;
    machine.onConnected(now);
    std::vector<Ping> pings;
    for (int i = 0; i < 13; ++i) {
        for (const auto& m : drain(machine))
            if (const auto* p = std::get_if<Ping>(&m)) pings.push_back(*p);
        // The server's clock runs 5 s ahead; each trip takes 400 µs, evenly split.
        const Ping& last = pings.back();
        machine.onServerText(pong(last.id, last.clientUs, last.clientUs + 5'000'000 + 200), last.clientUs + 400);
        now = machine.nextDeadlineUs();
        machine.onTimer(now);
    }
    REQUIRE(pings.size() == 13);
    CHECK(pings[1].clientUs - pings[0].clientUs == 100'000);
    CHECK(pings[9].clientUs - pings[8].clientUs == 100'000);
    CHECK(pings[10].clientUs - pings[9].clientUs == 500'000);
    CHECK(pings[12].clientUs - pings[11].clientUs == 500'000);
    CHECK(pings[1].id == pings[0].id + 1);
    REQUIRE(machine.clockSynced());
    CHECK(*machine.clock().offsetUs() == 5'000'000);
    CHECK(machine.pongsReceived() == 13);
    // No pings while disconnected.
    machine.onDisconnected("connection closed", now);
    drain(machine);
    machine.onTimer(now + 1'000'000);
    CHECK_FALSE(find<Ping>(drain(machine)));
}

TEST_CASE("the stream is announced once joined and the clock is known, and again when it or the clock moves", "[session]") {
    RecordingListener listener;
    SessionMachine machine(config(), listener, 1);
    machine.start(0);
    machine.takeConnectRequest();
    machine.setStream(2'000'000, 1, 240);  // the audio started before we were in
    machine.onConnected(3'000'000);
    drain(machine);
    machine.onServerText(welcome(), 3'000'100);
    CHECK_FALSE(find<StreamInfo>(drain(machine)));  // the clock is not known yet
    machine.onServerText(pong(1, 3'000'000, 13'000'100), 3'000'200);  // server 10 s ahead
    auto sent = drain(machine);
    const auto* stream = find<StreamInfo>(sent);
    REQUIRE(stream);
    CHECK(stream->epochServerUs == std::optional<std::int64_t>(12'000'000));
    CHECK(stream->channels == 1);
    machine.setStream(2'000'000, 1, 240);
    CHECK_FALSE(find<StreamInfo>(drain(machine)));  // unchanged: not again
    machine.setStream(2'001'500, 1, 240);          // the sound card drifted 1.5 ms
    stream = find<StreamInfo>(sent = drain(machine));
    REQUIRE(stream);
    CHECK(stream->epochServerUs == std::optional<std::int64_t>(12'001'500));
    machine.setStream(2'001'500, 2, 120);  // stereo, 2.5 ms frames
    stream = find<StreamInfo>(sent = drain(machine));
    REQUIRE(stream);
    CHECK(stream->channels == 2);
    CHECK(stream->frameSamples == 120);

    // The clock estimate moves 0.4 ms (recordings place tracks by the epoch): announced
    // again, but only after a few more round trips, so a noisy line does not flood the room.
    for (std::uint32_t id = 2; id <= 5; ++id) {
        const std::int64_t at = 4'000'000 + id * 500'000;
        machine.onServerText(pong(id, at, at + 10'000'000 + 400 + 100), at + 200);
        stream = find<StreamInfo>(sent = drain(machine));
        if (id < 5) CHECK_FALSE(stream);
    }
    REQUIRE(stream);
    CHECK(stream->epochServerUs == std::optional<std::int64_t>(12'001'500 + 400));
    // A wobble under 0.15 ms is not worth a peer list for everyone.
    for (std::uint32_t id = 6; id <= 12; ++id) {
        const std::int64_t at = 4'000'000 + id * 500'000;
        machine.onServerText(pong(id, at, at + 10'000'000 + 400 + 100 + (id % 2 ? 100 : 0)), at + 200);
        CHECK_FALSE(find<StreamInfo>(drain(machine)));
    }
}

TEST_CASE("leave says goodbye when joined and finishes after the close, or after a second at most", "[session]") {
    RecordingListener listener;
    SessionMachine machine(config(), listener, 1);
    machine.start(0);
    machine.takeConnectRequest();
    machine.onConnected(0);
    machine.onServerText(welcome(), 1);
    drain(machine);
    machine.leave(10);
    CHECK_FALSE(machine.wantsClose());  // the goodbye goes first
    CHECK(find<Leave>(drain(machine)));
    CHECK(machine.wantsClose());
    machine.onDisconnected("connection closed", 20);
    CHECK(machine.finished());
    machine.stop();
    CHECK(machine.state() == SessionState::Closed);

    SessionMachine stuck(config(), listener, 1);
    stuck.start(0);
    stuck.takeConnectRequest();
    stuck.onConnected(0);
    stuck.leave(100);
    CHECK_FALSE(stuck.finished());
    stuck.onTimer(100 + 999'999);
    CHECK_FALSE(stuck.finished());
    stuck.onTimer(100 + 1'000'000);
    CHECK(stuck.finished());

    SessionMachine never(config(), listener, 1);  // left while not connected: done at once
    never.start(0);
    never.leave(5);
    CHECK(never.finished());
}

TEST_CASE("moved: the next connection goes straight to the named node, once - then home - a loop is cut", "[session]") {
    RecordingListener listener;
    SessionMachine machine(config(), listener, 1);
    machine.start(0);
    REQUIRE(machine.takeConnectRequest());
    CHECK(machine.connectUrl() == config().serverUrl);
    const auto movedTo = [](const std::string& url) {
        ErrorMessage error = makeError(ErrorCode::Moved, {}, true);
        error.url = url;
        return serialize(ServerMessage{error});
    };
    machine.onConnected(0);
    machine.onServerText(movedTo("ws://node-b.example:7402/ws"), 10);
    CHECK(machine.state() != SessionState::Refused);
    machine.onDisconnected("connection closed", 20);
    CHECK(machine.nextDeadlineUs() == 20);  // at once: no backoff
    machine.onTimer(20);
    REQUIRE(machine.takeConnectRequest());
    CHECK(machine.connectUrl() == "ws://node-b.example:7402/ws");
    // That node fails before a welcome: back to the configured address, after a backoff.
    machine.onDisconnected("could not connect", 30);
    CHECK(machine.nextDeadlineUs() > 30 + 200'000);
    machine.onTimer(machine.nextDeadlineUs());
    REQUIRE(machine.takeConnectRequest());
    CHECK(machine.connectUrl() == config().serverUrl);

    // Two nodes naming each other: three moves in a row (no welcome between) are followed,
    // the fourth is not. (One was followed above.)
    machine.onConnected(9'000'000);
    machine.onServerText(welcome(), 9'000'000);
    machine.onDisconnected("connection closed", 9'000'000);
    machine.onTimer(machine.nextDeadlineUs());
    REQUIRE(machine.takeConnectRequest());
    int followed = 0;
    std::int64_t now = 10'000'000;
    for (int i = 0; i < 4; ++i) {
        machine.onConnected(now);
        machine.onServerText(movedTo(i % 2 ? "ws://a.example/ws" : "ws://b.example/ws"), now);
        machine.onDisconnected("connection closed", now);
        now = machine.nextDeadlineUs();
        machine.onTimer(now);
        REQUIRE(machine.takeConnectRequest());
        if (machine.connectUrl() != config().serverUrl) ++followed;
    }
    CHECK(followed == 3);
}
