// The browser's media twin (docs/protocol.md, "The media twin"): a second WebSocket that
// shows its participant's offer carries that participant's media again and receives the
// room's again. A listener on a plain WebSocket hears each packet once however many copies
// came in; a twin with a wrong key is refused; a twin closes with its participant.
#include "raw_websocket.h"
#include "samspil/protocol/media_packet.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

using namespace samspil;
using namespace samspil::test;
using nlohmann::json;

namespace {

json joinRaw(RawWebSocket& socket, int port, const std::string& name) {
    REQUIRE(socket.connect(port) == 101);
    REQUIRE(socket.sendText(json{{"v", 1}, {"type", "join"}, {"room", "twins"}, {"name", name}}.dump()));
    const auto welcome = socket.receiveType("welcome", 5000);
    REQUIRE(welcome);
    return json::parse(*welcome);
}

std::vector<std::uint8_t> mediaPacket(std::uint32_t sequence) {
    std::vector<std::uint8_t> out(protocol::kMediaHeaderBytes + 3);
    const std::uint8_t payload[3] = {0xE8, 0x01, 0x02};
    out.resize(protocol::writeMediaPacket(protocol::MediaHeader{0, 0, sequence, sequence * 240}, payload, out));
    return out;
}

// Sequences of the media packets that arrive on `socket` within `ms`.
std::vector<std::uint32_t> mediaSequences(RawWebSocket& socket, int ms) {
    std::vector<std::uint32_t> sequences;
    while (const auto frame = socket.receive(ms)) {
        if (frame->opcode != 2) continue;
        const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(frame->payload.data()),
                                                  frame->payload.size());
        protocol::MediaMessageReader reader(bytes);
        protocol::MediaPacketView packet;
        while (reader.next(packet)) sequences.push_back(packet.header.sequence);
    }
    return sequences;
}

}  // namespace

TEST_CASE("media twin: a second WebSocket carries a participant's media again, a listener hears it once",
          "[integration][twin]") {
    TempDir dir;
    TestServer server(dir);
    RawWebSocket browser, listener;
    const json welcome = joinRaw(browser, server.port(), "Browser");
    REQUIRE(welcome.contains("udp"));
    joinRaw(listener, server.port(), "Listener");

    RawWebSocket twin;
    REQUIRE(twin.connect(server.port()) == 101);
    REQUIRE(twin.sendText(json{{"v", 1}, {"type", "media_twin"}, {"session", welcome["udp"]["session"]},
                               {"key", welcome["udp"]["key"]}}.dump()));

    // Each packet on both connections (sequence 2 only on the twin, as if the main one stalled).
    for (std::uint32_t sequence = 1; sequence <= 4; ++sequence) {
        if (sequence != 2) REQUIRE(browser.sendBinary(mediaPacket(sequence)));
        REQUIRE(twin.sendBinary(mediaPacket(sequence)));
    }
    // Once each, the twin's copy filling the gap (in whichever order the two connections
    // were read: a frame from one may overtake the other's).
    auto heard = mediaSequences(listener, 500);
    std::sort(heard.begin(), heard.end());
    CHECK(heard == std::vector<std::uint32_t>{1, 2, 3, 4});

    // The listener's media reaches the browser on both connections.
    REQUIRE(listener.sendBinary(mediaPacket(7)));
    CHECK(mediaSequences(browser, 300) == std::vector<std::uint32_t>{7});
    CHECK(mediaSequences(twin, 300) == std::vector<std::uint32_t>{7});

    // A twin with a wrong key is refused and closed.
    RawWebSocket impostor;
    REQUIRE(impostor.connect(server.port()) == 101);
    REQUIRE(impostor.sendText(json{{"v", 1}, {"type", "media_twin"}, {"session", welcome["udp"]["session"]},
                                   {"key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}.dump()));
    const auto refusal = impostor.receiveType("error", 3000);
    REQUIRE(refusal);
    CHECK(json::parse(*refusal)["code"] == "not_allowed");
    CHECK(impostor.receiveUntilClose(3000).has_value());

    // The participant leaves: its twin is closed by the server.
    REQUIRE(browser.sendText(R"({"v":1,"type":"leave"})"));
    const auto closed = twin.receiveUntilClose(3000);
    REQUIRE(closed);
    CHECK(closed->closeCode() == 1000);
    CHECK(server.stop() == 0);
}
