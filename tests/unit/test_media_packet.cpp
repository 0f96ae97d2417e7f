// Media packets: round trips, every kind of broken input, and totality on random bytes.
#include "samspil/protocol/media_packet.h"

#include <catch2/catch.hpp>

#include <random>
#include <vector>

using namespace samspil::protocol;

namespace {

std::vector<std::uint8_t> encode(const MediaHeader& header, std::size_t payloadSize, std::uint8_t fill = 0xAB) {
    std::vector<std::uint8_t> payload(payloadSize, fill);
    std::vector<std::uint8_t> out(kMaxMediaPacketBytes + 16);
    const std::size_t written = writeMediaPacket(header, payload, out);
    out.resize(written);
    return out;
}

}  // namespace

TEST_CASE("a media packet survives a round trip with every header field intact", "[protocol][media]") {
    const MediaHeader header{kMediaFlagStereo | kMediaFlagStreamStart, 0xBEEF, 0xFFFFFFFEu, 0x80000001u};
    const auto bytes = encode(header, 77);
    REQUIRE(bytes.size() == kMediaHeaderBytes + 77);

    auto parsed = parseMediaPacket(bytes);
    REQUIRE(parsed);
    CHECK(parsed->header.flags == header.flags);
    CHECK(parsed->header.stereo());
    CHECK(parsed->header.streamStart());
    CHECK(parsed->header.streamId == 0xBEEF);
    CHECK(parsed->header.sequence == 0xFFFFFFFEu);
    CHECK(parsed->header.timestamp == 0x80000001u);
    CHECK(parsed->payload.size() == 77);
    CHECK(parsed->payload[0] == 0xAB);
    CHECK(parsed->encodedBytes == bytes.size());
}

TEST_CASE("the header is big-endian as docs/protocol.md draws it", "[protocol][media]") {
    const auto bytes = encode(MediaHeader{0x01, 0x0102, 0x03040506, 0x0708090A}, 2);
    const std::vector<std::uint8_t> expected{0x01, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05,
                                             0x06, 0x07, 0x08, 0x09, 0x0A, 0x00, 0x02};
    CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 14) == expected);
}

TEST_CASE("every truncation of a packet is refused with a typed error", "[protocol][media]") {
    const auto bytes = encode(MediaHeader{0, 1, 2, 3}, 40);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        auto parsed = parseMediaPacket(std::span(bytes.data(), length));
        REQUIRE_FALSE(parsed);
        if (length == 0)
            CHECK(parsed.error() == MediaParseError::Empty);
        else if (length < kMediaHeaderBytes)
            CHECK(parsed.error() == MediaParseError::TruncatedHeader);
        else
            CHECK(parsed.error() == MediaParseError::TruncatedPayload);
    }
}

TEST_CASE("wrong version, empty and oversized payloads are refused", "[protocol][media]") {
    auto bytes = encode(MediaHeader{}, 10);
    bytes[0] = 2;
    REQUIRE_FALSE(parseMediaPacket(bytes));
    CHECK(parseMediaPacket(bytes).error() == MediaParseError::BadVersion);

    auto empty = encode(MediaHeader{}, 10);
    empty[12] = empty[13] = 0;
    CHECK(parseMediaPacket(empty).error() == MediaParseError::EmptyPayload);

    std::vector<std::uint8_t> huge(kMediaHeaderBytes + 1276, 0);
    huge[0] = kMediaVersion;
    huge[12] = 0x04;  // 1276
    huge[13] = 0xFC;
    CHECK(parseMediaPacket(huge).error() == MediaParseError::PayloadTooLarge);

    std::vector<std::uint8_t> out(2000);
    CHECK(writeMediaPacket(MediaHeader{}, std::vector<std::uint8_t>(1276), out) == 0);
    CHECK(writeMediaPacket(MediaHeader{}, {}, out) == 0);
    std::vector<std::uint8_t> small(20);
    CHECK(writeMediaPacket(MediaHeader{}, std::vector<std::uint8_t>(10), small) == 0);
}

TEST_CASE("several packets in one message are read in order - trailing junk spoils the message", "[protocol][media]") {
    std::vector<std::uint8_t> message;
    for (std::uint32_t seq = 10; seq < 13; ++seq) {
        const auto packet = encode(MediaHeader{0, 7, seq, seq * 240}, 20 + seq);
        message.insert(message.end(), packet.begin(), packet.end());
    }
    auto count = validateMediaMessage(message, 8);
    REQUIRE(count);
    CHECK(*count == 3);

    MediaMessageReader reader(message);
    MediaPacketView packet;
    std::uint32_t expected = 10;
    while (reader.next(packet)) {
        CHECK(packet.header.sequence == expected);
        CHECK(packet.payload.size() == 20 + expected);
        ++expected;
    }
    CHECK(expected == 13);

    CHECK(validateMediaMessage(message, 2).error() == MediaParseError::TooManyPackets);
    message.push_back(0x01);
    CHECK_FALSE(validateMediaMessage(message, 8));
    CHECK(validateMediaMessage({}, 8).error() == MediaParseError::Empty);
}

TEST_CASE("the server's stamp replaces the stream id and nothing else", "[protocol][media]") {
    auto bytes = encode(MediaHeader{kMediaFlagStereo, 999, 5, 1200}, 12);
    stampStreamId(bytes, 42);
    auto parsed = parseMediaPacket(bytes);
    REQUIRE(parsed);
    CHECK(parsed->header.streamId == 42);
    CHECK(parsed->header.sequence == 5);
    CHECK(parsed->header.timestamp == 1200);
    CHECK(parsed->header.stereo());
    std::vector<std::uint8_t> tiny(3, 0);
    stampStreamId(tiny, 42);  // too short to hold a header: left alone
    CHECK(tiny == std::vector<std::uint8_t>(3, 0));
}

TEST_CASE("random bytes always parse to a value or an error, never past the end", "[protocol][media][fuzz]") {
    std::mt19937 random(1234);
    std::size_t accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> bytes(random() % 300);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
        if (round % 2 == 0 && !bytes.empty()) bytes[0] = kMediaVersion;  // get past the version check often
        auto result = validateMediaMessage(bytes, 32);
        if (result) {
            ++accepted;
            std::size_t total = 0;
            MediaMessageReader reader(bytes);
            MediaPacketView packet;
            while (reader.next(packet)) total += packet.encodedBytes;
            CHECK(total == bytes.size());
        }
    }
    CHECK(accepted < 20000);
}
