// Control messages: every type round-trips; broken, wrong-version, oversized and
// odd input yields the right typed error.
#include "samspil/protocol/control_message.h"

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using namespace samspil::protocol;

namespace {

// The server's clock while it parses (server-clock times a client sends lie within an hour of it).
constexpr std::int64_t kServerNowUs = 8'000'000'000;

template <typename T>
T roundTripClient(const T& message) {
    auto parsed = parseClientMessage(serialize(ClientMessage{message}), kServerNowUs);
    REQUIRE(parsed);
    REQUIRE(std::holds_alternative<T>(*parsed));
    return std::get<T>(*parsed);
}

template <typename T>
T roundTripServer(const T& message) {
    auto parsed = parseServerMessage(serialize(ServerMessage{message}));
    REQUIRE(parsed);
    REQUIRE(std::holds_alternative<T>(*parsed));
    return std::get<T>(*parsed);
}

ErrorCode clientError(std::string_view text) {
    auto parsed = parseClientMessage(text, kServerNowUs);
    REQUIRE_FALSE(parsed);
    return parsed.error().code;
}

}  // namespace

TEST_CASE("client messages round-trip", "[protocol][control]") {
    auto join = roundTripClient(JoinRequest{"klaver-3b", "Åse Ærø", std::string("tok"), std::nullopt});
    CHECK(join.room == "klaver-3b");
    CHECK(join.name == "Åse Ærø");
    CHECK(join.token == "tok");
    CHECK_FALSE(join.invite);

    auto stream = roundTripClient(StreamInfo{2, 120, kServerNowUs - 3'000'000'000});
    CHECK(stream.channels == 2);
    CHECK(stream.frameSamples == 120);
    CHECK(stream.epochServerUs == kServerNowUs - 3'000'000'000);

    CHECK(roundTripClient(ChatSend{"Husk at øve skalaer 🎹\nTak!"}).text == "Husk at øve skalaer 🎹\nTak!");
    auto twin = roundTripClient(MediaTwin{0xFFFFFFFFu, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="});
    CHECK(twin.sessionId == 0xFFFFFFFFu);
    CHECK(twin.key == "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
    auto ping = roundTripClient(Ping{4000000000u, 123456789012345});
    CHECK(ping.id == 4000000000u);
    CHECK(ping.clientUs == 123456789012345);
    roundTripClient(Leave{});
}

TEST_CASE("server messages round-trip", "[protocol][control]") {
    auto welcome = roundTripServer(Welcome{7, 65535, "kor", 42, "teacher", std::string("resume"),
                                           UdpOffer{7400, 0xDEADBEEF, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="},
                                           std::string("video-token")});
    CHECK(welcome.videoToken == "video-token");
    CHECK(welcome.role == "teacher");
    REQUIRE(welcome.udp);
    CHECK(welcome.udp->port == 7400);
    CHECK(welcome.udp->sessionId == 0xDEADBEEF);
    CHECK(welcome.udp->key == "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
    CHECK_FALSE(roundTripServer(Welcome{1, 2, "kor", 3, "student", std::nullopt, std::nullopt, std::nullopt}).udp);
    CHECK(welcome.resumeToken == "resume");
    CHECK(welcome.participantId == 7);
    CHECK(welcome.streamId == 65535);
    CHECK(welcome.room == "kor");

    PeerList peers;
    peers.peers.push_back(PeerInfo{1, 1, "Lærer", StreamInfo{1, 240, 99}});
    peers.peers.push_back(PeerInfo{2, 2, "Elev", std::nullopt});
    auto back = roundTripServer(peers);
    REQUIRE(back.peers.size() == 2);
    CHECK(back.peers[0].name == "Lærer");
    REQUIRE(back.peers[0].stream);
    CHECK(back.peers[0].stream->epochServerUs == 99);
    CHECK_FALSE(back.peers[1].stream);

    auto chat = roundTripServer(ChatMessage{12, 3, "Ida", "'; DROP TABLE chat_messages; --", 1700000000000});
    CHECK(chat.text == "'; DROP TABLE chat_messages; --");
    CHECK(chat.sentAtMs == 1700000000000);

    ChatHistory history;
    history.messages = {ChatMessage{1, 0, "a", "x", 1}, ChatMessage{2, 0, "b", "y", 2}};
    CHECK(roundTripServer(history).messages.size() == 2);
    CHECK(roundTripServer(Pong{9, 10, 11}).serverUs == 11);

    auto error = roundTripServer(makeError(ErrorCode::RoomFull, "40 of 40", true));
    CHECK(error.code == ErrorCode::RoomFull);
    CHECK(error.fatal);
    CHECK(error.message.find("40 of 40") != std::string::npos);
}

TEST_CASE("broken text gives bad_json - a JSON non-object gives bad_message", "[protocol][control]") {
    CHECK(clientError("") == ErrorCode::BadJson);
    CHECK(clientError("{\"v\":1,\"type\":\"join\"") == ErrorCode::BadJson);
    CHECK(clientError("\xff\xfe garbage") == ErrorCode::BadJson);
    CHECK(clientError("{\"v\":1,\"type\":\"chat\",\"text\":\"\xc3\x28\"}") == ErrorCode::BadJson);  // invalid UTF-8
    CHECK(clientError("[1,2,3]") == ErrorCode::BadMessage);
    CHECK(clientError("42") == ErrorCode::BadMessage);
}

TEST_CASE("version and type are checked before anything else", "[protocol][control]") {
    CHECK(clientError(R"({"type":"ping","id":1,"client_us":1})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":2,"type":"ping","id":1,"client_us":1})") == ErrorCode::UnsupportedVersion);
    CHECK(clientError(R"({"v":"1","type":"ping"})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"teleport"})") == ErrorCode::UnknownType);
    CHECK(clientError(R"({"v":1,"type":"welcome"})") == ErrorCode::UnknownType);  // a server message from a client
}

TEST_CASE("fields of the wrong kind or range name the field", "[protocol][control]") {
    auto parsed = parseClientMessage(R"({"v":1,"type":"join","room":5,"name":"x"})", kServerNowUs);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::BadMessage);
    CHECK(parsed.error().detail.find("room") != std::string::npos);

    CHECK(clientError(R"({"v":1,"type":"join","name":"x"})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"ping","id":-1,"client_us":0})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"ping","id":4294967296,"client_us":0})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"ping","id":1.5,"client_us":0})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"stream","channels":3,"frame_samples":240})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"stream","channels":0,"frame_samples":240})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"stream","channels":1,"frame_samples":256})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"join","room":"a","name":"b","token":7})") == ErrorCode::BadMessage);
}

TEST_CASE("times on the wire are bounded where they are parsed: a server-clock time within an hour of the server's",
          "[protocol][control]") {
    const auto stream = [](std::int64_t epoch) {
        return R"({"v":1,"type":"stream","channels":1,"frame_samples":240,"epoch_server_us":)" + std::to_string(epoch) + "}";
    };
    CHECK(parseClientMessage(stream(kServerNowUs - 3'599'000'000), kServerNowUs));
    CHECK(parseClientMessage(stream(kServerNowUs + 3'599'000'000), kServerNowUs));
    // An epoch from the future (a recorded lesson's stream placed 30 years on) or the far past:
    auto ahead = parseClientMessage(stream(kServerNowUs + 1'000'000'000'000'000), kServerNowUs);
    REQUIRE_FALSE(ahead);
    CHECK(ahead.error().code == ErrorCode::BadMessage);
    CHECK(ahead.error().detail == "\"epoch_server_us\" is more than an hour from the server's clock");
    CHECK(clientError(stream(kServerNowUs + 3'601'000'000)) == ErrorCode::BadMessage);
    CHECK(clientError(stream(kServerNowUs - 3'601'000'000)) == ErrorCode::BadMessage);
    // Values whose sums would overflow an int64 are refused outright.
    CHECK(clientError(stream(std::numeric_limits<std::int64_t>::max())) == ErrorCode::BadMessage);
    CHECK(clientError(stream(std::numeric_limits<std::int64_t>::min())) == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"bar_server_us":)" +
                      std::to_string(kServerNowUs - 7'200'000'000) + "}") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"ping","id":1,"client_us":9223372036854775807})") == ErrorCode::BadMessage);

    // What a client reads from the server is held to the same absolute bound.
    CHECK_FALSE(parseServerMessage(
        R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"start_server_us":9223372036854775000,"participant_id":1,"name":"x"})"));
    CHECK_FALSE(parseServerMessage(
        R"({"v":1,"type":"peers","peers":[{"participant_id":1,"stream_id":2,"name":"x","role":"participant","muted":false,"stream":{"channels":1,"frame_samples":240,"epoch_server_us":-9223372036854775000}}]})"));
    CHECK(WireTime(std::numeric_limits<std::int64_t>::max()).us() == WireTime::kLimitUs);  // one's own clock, held
}

TEST_CASE("text over 64 KiB is refused as too large without parsing it", "[protocol][control]") {
    std::string big = R"({"v":1,"type":"chat","text":")" + std::string(70000, 'a') + "\"}";
    CHECK(clientError(big) == ErrorCode::MessageTooLarge);
}

TEST_CASE("deeply nested and random input never crashes the parser", "[protocol][control][fuzz]") {
    CHECK(clientError(std::string(30000, '[') + std::string(30000, ']')) == ErrorCode::BadMessage);
    std::mt19937 random(99);
    const std::string alphabet = "{}[]\":,vtype1join chatping\\u00e6 \x80\xff";
    for (int round = 0; round < 5000; ++round) {
        std::string text;
        const std::size_t length = random() % 80;
        for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
        auto client = parseClientMessage(text, kServerNowUs);
        auto server = parseServerMessage(text);
        CHECK((client || !client.error().detail.empty()));
        CHECK((server || !server.error().detail.empty()));
    }
}

TEST_CASE("an error code this version does not know is still read as an error", "[protocol][control]") {
    auto parsed = parseServerMessage(R"({"v":1,"type":"error","code":"future_thing","message":"Hm.","fatal":false})");
    REQUIRE(parsed);
    const auto& error = std::get<ErrorMessage>(*parsed);
    CHECK(error.code == ErrorCode::Internal);
    CHECK(error.message == "Hm.");
}

TEST_CASE("moved carries the node's address - an address that is no WebSocket URL, or too long, is refused",
          "[protocol][control]") {
    auto parsed = parseServerMessage(
        R"({"v":1,"type":"error","code":"moved","message":"m","fatal":true,"url":"ws://10.0.0.2:7401/ws"})");
    REQUIRE(parsed);
    const auto& error = std::get<ErrorMessage>(*parsed);
    CHECK(error.code == ErrorCode::Moved);
    CHECK(error.url == "ws://10.0.0.2:7401/ws");
    CHECK(parseServerMessage(serialize(ServerMessage{error})));  // round trip
    for (const std::string& url : {std::string("javascript:alert(1)"), std::string(""),
                                  "ws://node.example/" + std::string(600, 'x')}) {
        const nlohmann::json bad = {{"v", 1}, {"type", "error"}, {"code", "moved"}, {"message", "m"}, {"fatal", true},
                                    {"url", url}};
        CHECK_FALSE(parseServerMessage(bad.dump()));
    }
}

TEST_CASE("every error code has a stable name that maps back", "[protocol][control]") {
    for (int code = 0; code <= static_cast<int>(ErrorCode::Moved); ++code) {
        const auto name = errorCodeName(static_cast<ErrorCode>(code));
        CHECK(errorCodeFromName(name) == static_cast<ErrorCode>(code));
        CHECK_FALSE(errorCodeSentence(static_cast<ErrorCode>(code)).empty());
    }
    CHECK(errorCodeName(ErrorCode::BadJson) == "bad_json");
    CHECK_FALSE(errorCodeFromName("no_such_code"));
}

TEST_CASE("a shared tempo round-trips and nonsense tempos are refused by field", "[protocol][control][tempo]") {
    auto tempo = roundTripClient(TempoShare{92.5, 7, 8});
    CHECK(tempo.bpm == 92.5);
    CHECK(tempo.numerator == 7);
    CHECK(tempo.denominator == 8);
    auto room = roundTripServer(RoomTempo{5, "Jonas", TempoShare{120, 3, 4}});
    CHECK(room.participantId == 5);
    CHECK(room.name == "Jonas");
    CHECK(room.tempo.numerator == 3);

    CHECK(clientError(R"({"v":1,"type":"tempo","bpm":1000,"numerator":4,"denominator":4})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"tempo","bpm":"fast","numerator":4,"denominator":4})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"tempo","bpm":120,"numerator":0,"denominator":4})") == ErrorCode::BadMessage);
    auto odd = parseClientMessage(R"({"v":1,"type":"tempo","bpm":120,"numerator":4,"denominator":6})", kServerNowUs);
    REQUIRE_FALSE(odd);
    CHECK(odd.error().detail.find("denominator") != std::string::npos);
    CHECK(parseClientMessage(R"({"v":1,"type":"tempo","bpm":60,"numerator":4,"denominator":4})", kServerNowUs));
}

TEST_CASE("record and the room's recording state round-trip, and a malformed recording state is refused", "[protocol][control][recording]") {
    CHECK(roundTripClient(Record{true}).on);
    CHECK_FALSE(roundTripClient(Record{false}).on);
    CHECK(clientError(R"({"v":1,"type":"record"})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"record","on":"yes"})") == ErrorCode::BadMessage);
    CHECK_FALSE(roundTripClient(Record{true}).take);
    CHECK(roundTripClient(Record{true, true}).take);
    CHECK(clientError(R"({"v":1,"type":"record","on":true,"take":1})") == ErrorCode::BadMessage);

    RoomState recorded;
    recorded.teacherParticipantId = 4;
    recorded.recording = RecordingState{1764700000000, {7, 4294967295u}, std::nullopt};
    auto back = roundTripServer(recorded);
    REQUIRE(back.recording);
    CHECK(back.recording->startedAtMs == 1764700000000);
    CHECK(back.recording->notRecorded == std::vector<std::uint32_t>{7, 4294967295u});
    CHECK_FALSE(back.recording->take);
    CHECK_FALSE(roundTripServer(RoomState{}).recording);  // null: not recorded
    recorded.recording->take = TakeTiming{-5'000'000, 1'000'000, 132.5, 3};
    back = roundTripServer(recorded);
    REQUIRE(back.recording);
    REQUIRE(back.recording->take);
    CHECK(back.recording->take->countInServerUs == -5'000'000);
    CHECK(back.recording->take->startServerUs == 1'000'000);
    CHECK(back.recording->take->bpm == 132.5);
    CHECK(back.recording->take->beatsPerBar == 3);

    for (const char* broken : {R"({"v":1,"type":"room_state","locked":false,"teacher_participant_id":1,"waiting":[],"recording":5})",
                               R"({"v":1,"type":"room_state","locked":false,"teacher_participant_id":1,"waiting":[],"recording":{"not_recorded":[]}})",
                               R"({"v":1,"type":"room_state","locked":false,"teacher_participant_id":1,"waiting":[],"recording":{"started_at_ms":1,"not_recorded":[-1]}})",
                               R"({"v":1,"type":"room_state","locked":false,"teacher_participant_id":1,"waiting":[],"recording":{"started_at_ms":1,"not_recorded":[],"take":{"start_server_us":1}}})",
                               R"({"v":1,"type":"room_state","locked":false,"teacher_participant_id":1,"waiting":[],"recording":{"started_at_ms":1,"not_recorded":[],"take":7}})"}) {
        INFO(broken);
        auto parsed = parseServerMessage(broken);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::BadMessage);
    }
}

TEST_CASE("the room's metronome round-trips both ways and nonsense is refused by field", "[protocol][control][metronome]") {
    auto set = roundTripClient(MetronomeSet{true, 96.5, 3, false});
    CHECK(set.running);
    CHECK(set.bpm == 96.5);
    CHECK(set.beatsPerBar == 3);
    CHECK_FALSE(set.accent);
    auto grid = roundTripServer(RoomMetronome{true, 150, 4, true, 1'234'567'890'123, 7, "Lise"});
    CHECK(grid.running);
    CHECK(grid.startServerUs == 1'234'567'890'123);
    CHECK(grid.participantId == 7);
    CHECK(grid.name == "Lise");
    CHECK(grid.beatsPerBar == 4);
    CHECK(grid.intervalBars == 0);
    CHECK(grid.intervalUs() == 0);
    CHECK(roundTripClient(MetronomeSet{true, 120, 4, true, 4}).intervalBars == 4);
    const auto interval = roundTripServer(RoomMetronome{true, 120, 3, true, 5, 7, "Lise", 2});
    CHECK(interval.intervalBars == 2);
    CHECK(interval.intervalUs() == 3'000'000);  // 2 bars of 3 at 120 BPM

    // A DAW's bar line comes along when the DAW is the source; without it, none.
    MetronomeSet fromDaw{true, 120, 4, true};
    fromDaw.barServerUs = 9'876'543'210;  // within an hour of the server's clock
    CHECK(roundTripClient(fromDaw).barServerUs == 9'876'543'210);
    CHECK_FALSE(roundTripClient(MetronomeSet{true, 120, 4, true}).barServerUs);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"bar_server_us":"soon"})") ==
          ErrorCode::BadMessage);

    // accent may be left out (beat one accented); running, bpm and beats may not.
    const auto plain = parseClientMessage(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4})", kServerNowUs);
    REQUIRE(plain);
    CHECK(std::get<MetronomeSet>(*plain).accent);
    CHECK(std::get<MetronomeSet>(*plain).intervalBars == 0);  // live unless asked
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"interval_bars":17})") ==
          ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"interval_bars":-1})") ==
          ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":1000,"beats_per_bar":4})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":0})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":17})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","bpm":90,"beats_per_bar":4})") == ErrorCode::BadMessage);
    CHECK(clientError(R"({"v":1,"type":"metronome","running":"yes","bpm":90,"beats_per_bar":4})") == ErrorCode::BadMessage);
}
