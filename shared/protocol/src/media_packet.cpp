#include "samspil/protocol/media_packet.h"

#include <algorithm>

namespace samspil::protocol {
namespace {

// Field offsets inside the header; all integers are big-endian (network order).
constexpr std::size_t kVersionAt = 0;
constexpr std::size_t kFlagsAt = 1;
constexpr std::size_t kStreamIdAt = 2;
constexpr std::size_t kSequenceAt = 4;
constexpr std::size_t kTimestampAt = 8;
constexpr std::size_t kPayloadLengthAt = 12;

std::uint16_t readU16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t readU32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void writeU16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void writeU32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

std::string_view describe(MediaParseError error) {
    switch (error) {
        case MediaParseError::Empty: return "empty media message";
        case MediaParseError::TruncatedHeader: return "media header truncated";
        case MediaParseError::BadVersion: return "unknown media packet version";
        case MediaParseError::EmptyPayload: return "media packet without payload";
        case MediaParseError::PayloadTooLarge: return "media payload larger than 1275 bytes";
        case MediaParseError::TruncatedPayload: return "media payload runs past the end of the message";
        case MediaParseError::TooManyPackets: return "too many media packets in one message";
    }
    return "malformed media message";
}

Expected<MediaPacketView, MediaParseError> parseMediaPacket(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return Unexpected{MediaParseError::Empty};
    if (bytes.size() < kMediaHeaderBytes) return Unexpected{MediaParseError::TruncatedHeader};
    const std::uint8_t* p = bytes.data();
    if (p[kVersionAt] != kMediaVersion) return Unexpected{MediaParseError::BadVersion};

    const std::size_t payloadLength = readU16(p + kPayloadLengthAt);
    if (payloadLength == 0) return Unexpected{MediaParseError::EmptyPayload};
    if (payloadLength > kMaxOpusPayloadBytes) return Unexpected{MediaParseError::PayloadTooLarge};
    if (bytes.size() - kMediaHeaderBytes < payloadLength) return Unexpected{MediaParseError::TruncatedPayload};

    MediaPacketView view;
    view.header.flags = p[kFlagsAt];
    view.header.streamId = readU16(p + kStreamIdAt);
    view.header.sequence = readU32(p + kSequenceAt);
    view.header.timestamp = readU32(p + kTimestampAt);
    view.payload = bytes.subspan(kMediaHeaderBytes, payloadLength);
    view.encodedBytes = kMediaHeaderBytes + payloadLength;
    return view;
}

Expected<std::size_t, MediaParseError> validateMediaMessage(std::span<const std::uint8_t> bytes,
                                                            std::size_t maxPackets) {
    if (bytes.empty()) return Unexpected{MediaParseError::Empty};
    std::size_t count = 0;
    while (!bytes.empty()) {
        if (count == maxPackets) return Unexpected{MediaParseError::TooManyPackets};
        auto packet = parseMediaPacket(bytes);
        if (!packet) return Unexpected{packet.error()};
        bytes = bytes.subspan(packet->encodedBytes);
        ++count;
    }
    return count;
}

bool MediaMessageReader::next(MediaPacketView& packet) {
    if (rest_.empty()) return false;
    auto parsed = parseMediaPacket(rest_);
    if (!parsed) {
        rest_ = {};
        return false;
    }
    packet = *parsed;
    rest_ = rest_.subspan(packet.encodedBytes);
    return true;
}

std::size_t writeMediaPacket(const MediaHeader& header, std::span<const std::uint8_t> payload,
                             std::span<std::uint8_t> out) {
    if (payload.empty() || payload.size() > kMaxOpusPayloadBytes) return 0;
    const std::size_t total = kMediaHeaderBytes + payload.size();
    if (out.size() < total) return 0;
    std::uint8_t* p = out.data();
    p[kVersionAt] = kMediaVersion;
    p[kFlagsAt] = header.flags;
    writeU16(p + kStreamIdAt, header.streamId);
    writeU32(p + kSequenceAt, header.sequence);
    writeU32(p + kTimestampAt, header.timestamp);
    writeU16(p + kPayloadLengthAt, static_cast<std::uint16_t>(payload.size()));
    std::copy(payload.begin(), payload.end(), p + kMediaHeaderBytes);
    return total;
}

void stampStreamId(std::span<std::uint8_t> encodedPacket, std::uint16_t streamId) {
    if (encodedPacket.size() >= kMediaHeaderBytes) writeU16(encodedPacket.data() + kStreamIdAt, streamId);
}

}  // namespace samspil::protocol
