// Video on the wire (docs/protocol.md, "Video"): one VP8 frame behind a fixed 24-byte
// header — whole in a binary frame of the video WebSocket, or cut into fragments of the UDP
// path's video datagrams. Parsing is pure and total; every value bounded where it is read.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/protocol/wire_time.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace samspil::protocol {

inline constexpr std::uint8_t kVideoVersion = 1;
inline constexpr std::size_t kVideoHeaderBytes = 24;
/// The largest video frame, header included: a 720p keyframe with plenty of room.
inline constexpr std::size_t kMaxVideoFrameBytes = 512 * 1024;
/// The largest picture a frame may announce.
inline constexpr int kMaxVideoWidth = 1920;
inline constexpr int kMaxVideoHeight = 1088;

enum VideoFlag : std::uint8_t {
    kVideoFlagKeyframe = 0x01,  ///< decodable on its own; a receiver may start here
};

/// A sender encodes at most two layers when its receivers differ: the small one for tiles,
/// the large one for whoever shows it large (pinned, or one large).
enum class VideoLayer : std::uint8_t { Small = 0, Large = 1 };
inline constexpr int kVideoLayers = 2;

struct VideoHeader {
    std::uint8_t flags = 0;
    VideoLayer layer = VideoLayer::Small;
    std::uint8_t framesPerSecond = 30;  ///< what the sender aims at (1..60), informational
    std::uint16_t streamId = 0;         ///< stamped by the server (the sender's stream id), 0 from clients
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint32_t frameNumber = 0;      ///< +1 per frame of this layer, wraps
    WireTime captureServerUs;           ///< when the picture was taken, on the server's clock

    bool keyframe() const { return (flags & kVideoFlagKeyframe) != 0; }
};

struct VideoFrameView {
    VideoHeader header;
    std::span<const std::uint8_t> payload;  ///< the VP8 frame
};

enum class VideoParseError {
    TooShort,       ///< fewer than kVideoHeaderBytes, or no payload
    TooLarge,       ///< more than kMaxVideoFrameBytes
    BadVersion,
    BadLayer,
    BadSize,        ///< width or height 0, odd, or over the maximum
    BadFrameRate,   ///< 0 or over 60
    BadTime,        ///< a capture time beyond WireTime's bounds
};
std::string_view describe(VideoParseError error);

/// Parses one whole video frame.
[[nodiscard]] Expected<VideoFrameView, VideoParseError> parseVideoFrame(std::span<const std::uint8_t> bytes);
/// Writes header + payload into out; returns the bytes written, 0 if it does not fit.
[[nodiscard]] std::size_t writeVideoFrame(const VideoHeader& header, std::span<const std::uint8_t> payload,
                                          std::span<std::uint8_t> out);
/// Overwrites the stream id of an encoded frame in place (the server's stamp).
void stampVideoStreamId(std::span<std::uint8_t> encodedFrame, std::uint16_t streamId);

}  // namespace samspil::protocol
