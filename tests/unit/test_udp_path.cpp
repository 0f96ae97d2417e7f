// The UDP fast path's two ends without sockets: the client's UdpPathMachine (probe,
// carry, fall back after 300 ms of silence, probe again and return) and the server's
// UdpPaths (a hello proves the path, media is handed on, forged, replayed and foreign
// datagrams are dropped and counted, relayed media is sealed for the recipient's key).
#include "samspil/net/udp_path_machine.h"
#include "udp/udp_paths.h"

#include "samspil/protocol/media_packet.h"

#include <catch2/catch.hpp>

#include <netinet/in.h>

#include <cstring>
#include <vector>

using namespace samspil;
using namespace samspil::net;
using samspil::server::OutgoingDatagram;
using samspil::server::UdpAddress;
using samspil::server::UdpPaths;

namespace {

UdpAddress loopbackAddress(std::uint16_t port) {
    UdpAddress address;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.length = sizeof(sockaddr_in);
    return address;
}

std::vector<std::uint8_t> clientDatagram(UdpPathMachine& client, udp::Kind kind, std::vector<std::uint8_t> body = {}) {
    std::vector<std::uint8_t> out(udp::kMaxDatagramBytes);
    const std::size_t length = client.seal(kind, body, out);
    REQUIRE(length > 0);
    out.resize(length);
    return out;
}

// One media packet (header + a few payload bytes) as a client sends it.
std::vector<std::uint8_t> mediaMessage(std::uint32_t sequence) {
    std::vector<std::uint8_t> out(protocol::kMediaHeaderBytes + 3);
    const std::uint8_t payload[3] = {0xE8, 0x01, 0x02};
    const auto written = protocol::writeMediaPacket(protocol::MediaHeader{0, 0, sequence, sequence * 240}, payload, out);
    out.resize(written);
    return out;
}

struct Delivered {
    server::ConnectionId from = 0;
    std::vector<std::uint8_t> media;
};

}  // namespace

TEST_CASE("udp path: the client probes, carries media once answered, falls back after 300 ms of silence and returns", "[udp]") {
    server::RelayMetrics metrics;
    UdpPaths paths(metrics, 7400);
    const protocol::UdpOffer offer = paths.offer(11);
    CHECK(offer.port == 7400);
    CHECK(offer.sessionId != 0);

    UdpPathMachine client;
    std::int64_t now = 1'000'000;
    REQUIRE(client.offer(offer, now));
    CHECK(client.state() == UdpPathState::Probing);
    CHECK_FALSE(client.carriesMedia());
    CHECK_FALSE(paths.carries(11, now));

    // The first hello goes at once; the server answers it, but sends no media on the path
    // until the client shows that it hears the server (a hello proves only the way in).
    auto kind = client.due(now);
    REQUIRE(kind);
    CHECK(*kind == udp::Kind::Hello);
    std::vector<Delivered> delivered;
    const auto sink = [&](server::ConnectionId id, std::span<const std::uint8_t> media, std::int64_t) {
        delivered.push_back({id, {media.begin(), media.end()}});
    };
    paths.onDatagram(clientDatagram(client, udp::Kind::Hello), loopbackAddress(50000), now, sink);
    CHECK_FALSE(paths.carries(11, now));
    std::vector<OutgoingDatagram> out;
    REQUIRE(paths.takeDatagrams(out, now));
    REQUIRE(out.size() == 1);
    CHECK(out[0].to == loopbackAddress(50000));
    std::vector<std::uint8_t> opened(udp::kMaxDatagramBytes + 1);
    CHECK(client.onDatagram({out[0].bytes.data(), out[0].length}, opened, now + 200) == 0);  // the ack: no media
    CHECK(client.state() == UdpPathState::Up);
    CHECK(client.carriesMedia());

    // Media both ways: the client's reaches the room logic (and shows the server the client
    // hears it), the room's reaches the client.
    paths.onDatagram(clientDatagram(client, udp::Kind::Media, mediaMessage(5)), loopbackAddress(50000), now + 1000, sink);
    CHECK(paths.carries(11, now + 1000));
    REQUIRE(delivered.size() == 1);
    CHECK(delivered[0].from == 11);
    CHECK(delivered[0].media == mediaMessage(5));
    auto relayed = std::make_shared<server::MediaBuffer>();
    const auto packet = mediaMessage(9);
    relayed->receivedUs = now + 1000;
    relayed->length = static_cast<std::uint16_t>(packet.size());
    std::memcpy(relayed->bytes, packet.data(), packet.size());
    paths.queueMedia(11, relayed);
    out.clear();
    REQUIRE(paths.takeDatagrams(out, now + 1100));
    REQUIRE(out.size() == 1);
    for (auto& datagram : out) datagram.sent = true;
    paths.noteSent(out, now + 1100);
    CHECK(metrics.mediaPacketsOut == 1);  // counted once the socket took it
    CHECK(metrics.udpDatagramsOut == 1);
    const std::size_t body = client.onDatagram({out[0].bytes.data(), out[0].length}, opened, now + 1200);
    REQUIRE(body == packet.size());
    CHECK(std::vector<std::uint8_t>(opened.begin(), opened.begin() + static_cast<long>(body)) == packet);

    // Keep-alives every 100 ms while up.
    kind = client.due(now + 100'300);
    REQUIRE(kind);
    CHECK(*kind == udp::Kind::KeepAlive);

    // No answer from the server: 300 ms after the last one (the ack; the server's media does
    // not count, it says nothing of whether ours arrive) the client falls back; so does the
    // server, not hearing the client.
    client.tick(now + 200 + 299'000);
    CHECK(client.carriesMedia());
    client.tick(now + 200 + 300'000);
    CHECK(client.state() == UdpPathState::Down);
    CHECK(client.counters().fallbacks == 1);
    CHECK_FALSE(paths.carries(11, now + 1000 + 300'000));

    // Having lost a working path it probes again at once, and returns when answered.
    const std::int64_t lost = now + 200 + 300'000;
    CHECK(client.nextDeadlineUs() <= lost);
    kind = client.due(lost);
    REQUIRE(kind);
    CHECK(*kind == udp::Kind::Hello);
    paths.onDatagram(clientDatagram(client, udp::Kind::Hello), loopbackAddress(50001), lost, sink);
    out.clear();
    REQUIRE(paths.takeDatagrams(out, lost));
    CHECK(out[0].to == loopbackAddress(50001));  // a NAT moved the client: the server follows the proven address
    client.onDatagram({out[0].bytes.data(), out[0].length}, opened, lost + 1000);
    CHECK(client.state() == UdpPathState::Up);
    CHECK(client.counters().returns == 1);
    paths.onDatagram(clientDatagram(client, udp::Kind::KeepAlive), loopbackAddress(50001), lost + 2000, sink);
    CHECK(paths.carries(11, lost + 2000));
}

TEST_CASE("udp path: one way only - the server sends no media into a path the client cannot hear, "
          "and a client that stops hearing answers leaves it within 300 ms", "[udp]") {
    server::RelayMetrics metrics;
    UdpPaths paths(metrics, 7400);
    UdpPathMachine client;
    std::int64_t now = 2'000'000;
    REQUIRE(client.offer(paths.offer(4), now));
    const auto sink = [](server::ConnectionId, std::span<const std::uint8_t>, std::int64_t) {};
    std::vector<OutgoingDatagram> out;

    // Our datagrams reach the server, its answers never reach us: hellos for a second (each
    // answered into the void), then the WebSocket. The server never carried media meanwhile.
    for (; now < 2'000'000 + 1'000'000; now += 10'000) {
        if (client.due(now) == udp::Kind::Hello)
            paths.onDatagram(clientDatagram(client, udp::Kind::Hello), loopbackAddress(50000), now, sink);
        CHECK_FALSE(paths.carries(4, now));
        out.clear();
        paths.takeDatagrams(out, now);  // the acks, lost
    }
    client.tick(now);
    CHECK(client.state() == UdpPathState::Down);
    CHECK_FALSE(paths.carries(4, now));

    // A working path whose way back breaks: the client's keep-alives still arrive (and would
    // keep the server sending), but it hears no echo. At 300 ms it falls back and its hello
    // at once stops the server, without waiting for the server's own 300 ms.
    UdpPathMachine second;
    UdpPaths server(metrics, 7400);
    now = 10'000'000;
    REQUIRE(second.offer(server.offer(5), now));
    REQUIRE(second.due(now) == udp::Kind::Hello);
    server.onDatagram(clientDatagram(second, udp::Kind::Hello), loopbackAddress(50000), now, sink);
    out.clear();
    server.takeDatagrams(out, now);
    std::vector<std::uint8_t> opened(udp::kMaxDatagramBytes + 1);
    second.onDatagram({out[0].bytes.data(), out[0].length}, opened, now + 500);
    REQUIRE(second.carriesMedia());
    // Working both ways for a while: keep-alives out, echoes back.
    std::int64_t t = now + 500;
    for (; t < now + 400'000; t += 5'000) {
        if (const auto kind = second.due(t)) server.onDatagram(clientDatagram(second, *kind), loopbackAddress(50000), t, sink);
        out.clear();
        server.takeDatagrams(out, t);
        for (const auto& datagram : out) second.onDatagram({datagram.bytes.data(), datagram.length}, opened, t);
    }
    REQUIRE(server.carries(5, t));
    REQUIRE(second.carriesMedia());
    const std::int64_t broken = t;
    std::int64_t stoppedAt = -1;
    for (t = broken; t < broken + 1'000'000; t += 5'000) {
        if (const auto kind = second.due(t)) server.onDatagram(clientDatagram(second, *kind), loopbackAddress(50000), t, sink);
        if (stoppedAt < 0 && !server.carries(5, t)) stoppedAt = t;
        out.clear();
        server.takeDatagrams(out, t);  // echoes and acks, all lost
    }
    CHECK(second.state() != UdpPathState::Up);
    REQUIRE(stoppedAt > 0);
    // The last echo came up to one keep-alive interval before the break.
    CHECK(stoppedAt - broken <= 305'000);
    CHECK(stoppedAt - broken >= 195'000);
}

TEST_CASE("udp path: an offer nobody answers moves to the WebSocket after 1 s and probes only every 10 s", "[udp]") {
    server::RelayMetrics metrics;
    UdpPaths paths(metrics, 7400);
    UdpPathMachine client;
    const std::int64_t start = 5'000'000;
    REQUIRE(client.offer(paths.offer(3), start));
    int hellos = 0;
    for (std::int64_t t = start; t < start + 1'000'000; t += 10'000)
        if (client.due(t)) ++hellos;
    CHECK(hellos == 10);  // one every 100 ms
    client.tick(start + 1'000'000);
    CHECK(client.state() == UdpPathState::Down);
    CHECK(client.counters().fallbacks == 1);
    CHECK_FALSE(client.due(start + 10'000'000));
    CHECK(client.nextDeadlineUs() == start + 11'000'000);
    CHECK(client.due(start + 11'000'000) == udp::Kind::Hello);

    // A bad key in the offer is no path at all.
    UdpPathMachine other;
    CHECK_FALSE(other.offer(protocol::UdpOffer{7400, 1, "not base64 of 32 bytes"}, start));
    CHECK(other.state() == UdpPathState::Off);
}

TEST_CASE("udp path: forged, replayed and unknown datagrams are dropped and counted, never relayed", "[udp]") {
    server::RelayMetrics metrics;
    UdpPaths paths(metrics, 7400);
    const auto offer = paths.offer(21);
    UdpPathMachine client;
    REQUIRE(client.offer(offer, 0));
    std::vector<Delivered> delivered;
    const auto sink = [&](server::ConnectionId id, std::span<const std::uint8_t> media, std::int64_t) {
        delivered.push_back({id, {media.begin(), media.end()}});
    };
    const auto media = clientDatagram(client, udp::Kind::Media, mediaMessage(1));
    paths.onDatagram(media, loopbackAddress(40000), 10, sink);
    CHECK(delivered.size() == 1);

    // The same datagram again (a replay by someone on the path).
    paths.onDatagram(media, loopbackAddress(40001), 20, sink);
    CHECK(metrics.udpDropped["replayed"] == 1);

    // One bit changed: authentication fails.
    auto altered = clientDatagram(client, udp::Kind::Media, mediaMessage(2));
    altered.back() ^= 0x01;
    paths.onDatagram(altered, loopbackAddress(40000), 30, sink);
    CHECK(metrics.udpDropped["forged"] == 1);

    // Sealed under another session's key but claiming this session.
    UdpPaths elsewhere(metrics, 7400);
    auto otherOffer = elsewhere.offer(99);
    otherOffer.sessionId = offer.sessionId;
    UdpPathMachine impostor;
    REQUIRE(impostor.offer(otherOffer, 0));
    paths.onDatagram(clientDatagram(impostor, udp::Kind::Media, mediaMessage(3)), loopbackAddress(40000), 40, sink);
    CHECK(metrics.udpDropped["forged"] == 2);

    // A session nobody was offered, and bytes that are no datagram at all.
    UdpPathMachine stranger;
    REQUIRE(stranger.offer(protocol::UdpOffer{7400, offer.sessionId + 1, offer.key}, 0));
    paths.onDatagram(clientDatagram(stranger, udp::Kind::Media, mediaMessage(4)), loopbackAddress(40000), 50, sink);
    CHECK(metrics.udpDropped["unknown_session"] == 1);
    const std::vector<std::uint8_t> junk{1, 2, 3};
    paths.onDatagram(junk, loopbackAddress(40000), 60, sink);
    CHECK(metrics.udpDropped["malformed"] == 1);
    CHECK(delivered.size() == 1);

    // Once released (left the room), the key opens nothing.
    paths.release(21);
    paths.onDatagram(clientDatagram(client, udp::Kind::Media, mediaMessage(5)), loopbackAddress(40000), 70, sink);
    CHECK(metrics.udpDropped["unknown_session"] == 2);
    CHECK(delivered.size() == 1);
    CHECK_FALSE(paths.carries(21, 70));
}
