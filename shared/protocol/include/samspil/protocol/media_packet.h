// Binary media frames: a fixed 14-byte header and one Opus packet, several per
// WebSocket message. Parsing is pure and total (see docs/protocol.md).
#pragma once

#include "samspil/base/expected.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace samspil::protocol {

/// Version byte of every media packet this code writes and accepts.
inline constexpr std::uint8_t kMediaVersion = 1;
/// Bytes before the Opus payload.
inline constexpr std::size_t kMediaHeaderBytes = 14;
/// The largest Opus packet (RFC 6716 §3.2.1).
inline constexpr std::size_t kMaxOpusPayloadBytes = 1275;
/// The largest single media packet, header included.
inline constexpr std::size_t kMaxMediaPacketBytes = kMediaHeaderBytes + kMaxOpusPayloadBytes;
/// A binary frame from a client: at most this many bytes and packets (the server refuses
/// larger frames with message_too_large, more packets with bad_media).
inline constexpr std::size_t kMaxClientMediaMessageBytes = 16 * 1024;
inline constexpr std::size_t kMaxClientMediaMessagePackets = 32;
/// A binary frame from the server, as clients accept it (the server coalesces everything
/// due to one client in one pass of its loop; it sends far less than this).
inline constexpr std::size_t kMaxServerMediaMessageBytes = 256 * 1024;
inline constexpr std::size_t kMaxServerMediaMessagePackets = 4096;
/// The media clock: 48 kHz samples.
inline constexpr int kMediaSampleRate = 48000;

/// Header flag bits. Bits not named here are reserved: writers send 0, readers ignore them.
enum MediaFlag : std::uint8_t {
    kMediaFlagStereo = 0x01,       ///< the Opus packet carries two channels
    kMediaFlagStreamStart = 0x02,  ///< first packet of a (re)started stream: receivers reset
    kMediaFlagRepeat = 0x04,       ///< a copy of an earlier packet, carried again on the UDP path
                                   ///< so a lost datagram's frame arrives with the next one
};

/// The fixed header in front of each Opus packet.
struct MediaHeader {
    std::uint8_t flags = 0;       ///< MediaFlag bits
    std::uint16_t streamId = 0;   ///< who sent it; stamped by the server, 0 from clients
    std::uint32_t sequence = 0;   ///< +1 per packet of this stream, wraps
    std::uint32_t timestamp = 0;  ///< 48 kHz sample index of the first sample, wraps

    bool stereo() const { return (flags & kMediaFlagStereo) != 0; }
    bool streamStart() const { return (flags & kMediaFlagStreamStart) != 0; }
};

/// One parsed packet; payload points into the parsed bytes.
struct MediaPacketView {
    MediaHeader header;
    std::span<const std::uint8_t> payload;
    std::size_t encodedBytes = 0;  ///< header + payload
};

/// Why bytes are not a valid media message.
enum class MediaParseError {
    Empty,            ///< no bytes at all
    TruncatedHeader,  ///< fewer than kMediaHeaderBytes left
    BadVersion,       ///< version byte is not kMediaVersion
    EmptyPayload,     ///< payload length 0
    PayloadTooLarge,  ///< payload length over kMaxOpusPayloadBytes
    TruncatedPayload, ///< payload length runs past the end of the message
    TooManyPackets,   ///< more packets in one message than the reader allows
};

/// A short English description of a parse error, for logs and error messages.
std::string_view describe(MediaParseError error);

/// Parses the packet at the start of bytes (more may follow it).
[[nodiscard]] Expected<MediaPacketView, MediaParseError> parseMediaPacket(std::span<const std::uint8_t> bytes);

/// Checks a whole message (one or more packets back to back); returns how many packets it holds.
[[nodiscard]] Expected<std::size_t, MediaParseError> validateMediaMessage(std::span<const std::uint8_t> bytes,
                                                                          std::size_t maxPackets);

/// Walks the packets of a message that validateMediaMessage accepted.
class MediaMessageReader {
public:
    explicit MediaMessageReader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}
    /// The next packet, or false at the end (or at the first malformed packet).
    bool next(MediaPacketView& packet);

private:
    std::span<const std::uint8_t> rest_;
};

/// Writes header + payload into out; returns the bytes written, or 0 if out is too small
/// or the payload is empty or too large.
[[nodiscard]] std::size_t writeMediaPacket(const MediaHeader& header, std::span<const std::uint8_t> payload,
                                           std::span<std::uint8_t> out);

/// Overwrites the stream id of an encoded packet in place (the server's stamp).
void stampStreamId(std::span<std::uint8_t> encodedPacket, std::uint16_t streamId);

}  // namespace samspil::protocol
