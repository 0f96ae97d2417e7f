// The UDP path's datagrams: what is sealed opens only with the same key, in the same
// direction, unaltered; headers that are not ours are refused before any cryptography;
// and each counter gets in once, however the network reorders or repeats them.
#include "samspil/udp/udp_datagram.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace samspil::udp;

namespace {

std::vector<std::uint8_t> sealed(const Key& key, Direction direction, Header header, const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out(kMaxDatagramBytes);
    const auto length = seal(key, direction, header, body, out);
    REQUIRE(length);
    out.resize(*length);
    return out;
}

}  // namespace

TEST_CASE("udp: a sealed datagram opens with its key and direction, body and header intact", "[udp]") {
    const Key key = freshKey();
    const std::vector<std::uint8_t> body{1, 14, 0, 0, 0, 0, 0, 7, 0, 0, 0, 240, 0, 3, 0xE8, 0x11, 0x22};
    const Header header{Kind::Media, 0xC0FFEE01, 42};
    const auto datagram = sealed(key, Direction::ClientToServer, header, body);
    CHECK(datagram.size() == kHeaderBytes + body.size() + kTagBytes);
    const auto peeked = peekHeader(datagram);
    REQUIRE(peeked);
    CHECK(peeked->sessionId == 0xC0FFEE01);
    CHECK(peeked->counter == 42);

    std::vector<std::uint8_t> out(datagram.size());
    const auto opened = open(key, Direction::ClientToServer, datagram, out);
    REQUIRE(opened);
    CHECK(opened->header.kind == Kind::Media);
    CHECK(opened->header.counter == 42);
    REQUIRE(opened->bodyBytes == body.size());
    CHECK(std::equal(body.begin(), body.end(), out.begin()));
    // The body is not readable on the wire.
    CHECK(std::search(datagram.begin(), datagram.end(), body.begin() + 12, body.end()) == datagram.end());
}

TEST_CASE("udp: a wrong key, the other direction or any altered byte is refused as forged", "[udp]") {
    const Key key = freshKey();
    const auto datagram = sealed(key, Direction::ClientToServer, {Kind::Media, 7, 1}, {10, 20, 30, 40});
    std::vector<std::uint8_t> out(datagram.size());
    CHECK(open(freshKey(), Direction::ClientToServer, datagram, out).error() == DatagramError::Forged);
    // A datagram reflected back at its sender does not open there.
    CHECK(open(key, Direction::ServerToClient, datagram, out).error() == DatagramError::Forged);
    for (std::size_t i = 0; i < datagram.size(); ++i) {
        auto altered = datagram;
        altered[i] ^= 0x01;
        const auto result = open(key, Direction::ClientToServer, altered, out);
        REQUIRE_FALSE(result);  // header bytes are authenticated too: a changed session or counter fails
    }
}

TEST_CASE("udp: headers that are not ours are refused before decrypting", "[udp]") {
    const Key key = freshKey();
    std::vector<std::uint8_t> out(2048);
    CHECK(peekHeader(std::vector<std::uint8_t>(kHeaderBytes + kTagBytes - 1, 1)).error() == DatagramError::TooShort);
    CHECK(peekHeader(std::vector<std::uint8_t>(kMaxDatagramBytes + 1, 1)).error() == DatagramError::TooLong);
    auto datagram = sealed(key, Direction::ServerToClient, {Kind::HelloAck, 9, 3}, {});
    auto wrongVersion = datagram;
    wrongVersion[0] = 2;
    CHECK(open(key, Direction::ServerToClient, wrongVersion, out).error() == DatagramError::BadVersion);
    auto wrongKind = datagram;
    wrongKind[1] = 9;
    CHECK(open(key, Direction::ServerToClient, wrongKind, out).error() == DatagramError::BadKind);
    // A body too large to fit in one datagram is not sealed.
    std::vector<std::uint8_t> big(kMaxBodyBytes + 1);
    CHECK(seal(key, Direction::ClientToServer, {Kind::Media, 1, 1}, big, out).error() == DatagramError::TooLong);
    CHECK(seal(key, Direction::ClientToServer, {Kind::Media, 1, 1}, std::vector<std::uint8_t>(kMaxBodyBytes), out));
}

TEST_CASE("udp: the replay window lets each counter in once, in any order, and nothing too old", "[udp]") {
    ReplayWindow window;
    CHECK(window.accept(100));
    CHECK_FALSE(window.accept(100));  // a copy
    CHECK(window.accept(103));        // a gap …
    CHECK(window.accept(101));        // … filled late, out of order
    CHECK(window.accept(102));
    CHECK_FALSE(window.accept(101));
    CHECK(window.highest() == 103);
    CHECK(window.accept(103 + ReplayWindow::kSpan));  // the window now ends 1024 above 103
    CHECK_FALSE(window.accept(103));  // beyond the window: refused, whether seen or not
    CHECK_FALSE(window.accept(50));
    CHECK(window.accept(104));        // still inside, never seen
    CHECK_FALSE(window.accept(104));
    // After a jump far ahead, the old bits do not make new counters look seen.
    CHECK(window.accept(1'000'000));
    for (std::uint64_t c = 1'000'000 - ReplayWindow::kSpan + 1; c < 1'000'000; ++c) REQUIRE(window.accept(c));
    for (std::uint64_t c = 1'000'000 - ReplayWindow::kSpan + 1; c <= 1'000'000; ++c) REQUIRE_FALSE(window.accept(c));
}
