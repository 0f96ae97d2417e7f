#include "samspil/protocol/video_frame.h"

#include <cstring>

namespace samspil::protocol {
namespace {

std::uint16_t read16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t read32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
std::uint64_t read64(const std::uint8_t* p) { return std::uint64_t{read32(p)} << 32 | read32(p + 4); }
void write16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void write32(std::uint8_t* p, std::uint32_t v) {
    write16(p, static_cast<std::uint16_t>(v >> 16));
    write16(p + 2, static_cast<std::uint16_t>(v));
}
void write64(std::uint8_t* p, std::uint64_t v) {
    write32(p, static_cast<std::uint32_t>(v >> 32));
    write32(p + 4, static_cast<std::uint32_t>(v));
}

}  // namespace

std::string_view describe(VideoParseError error) {
    switch (error) {
        case VideoParseError::TooShort: return "the video frame is shorter than its header and a payload";
        case VideoParseError::TooLarge: return "the video frame is larger than 512 KiB";
        case VideoParseError::BadVersion: return "unknown video version";
        case VideoParseError::BadLayer: return "unknown video layer";
        case VideoParseError::BadSize: return "the picture's size is not an even size up to 1920x1088";
        case VideoParseError::BadFrameRate: return "the frame rate is not 1 to 60";
        case VideoParseError::BadTime: return "the capture time is out of range";
    }
    return "bad video frame";
}

// Layout (big-endian): 0 version, 1 flags, 2 layer, 3 frames per second, 4-5 stream id,
// 6-7 width, 8-9 height, 10-11 reserved (0), 12-15 frame number, 16-23 capture time (µs,
// server clock, signed), then the VP8 frame.
Expected<VideoFrameView, VideoParseError> parseVideoFrame(std::span<const std::uint8_t> bytes) {
    if (bytes.size() <= kVideoHeaderBytes) return Unexpected{VideoParseError::TooShort};
    if (bytes.size() > kMaxVideoFrameBytes) return Unexpected{VideoParseError::TooLarge};
    const std::uint8_t* p = bytes.data();
    if (p[0] != kVideoVersion) return Unexpected{VideoParseError::BadVersion};
    if (p[2] >= kVideoLayers) return Unexpected{VideoParseError::BadLayer};
    if (p[3] == 0 || p[3] > 60) return Unexpected{VideoParseError::BadFrameRate};
    VideoFrameView view;
    VideoHeader& h = view.header;
    h.flags = p[1];
    h.layer = static_cast<VideoLayer>(p[2]);
    h.framesPerSecond = p[3];
    h.streamId = read16(p + 4);
    h.width = read16(p + 6);
    h.height = read16(p + 8);
    if (h.width == 0 || h.height == 0 || h.width % 2 || h.height % 2 || h.width > kMaxVideoWidth ||
        h.height > kMaxVideoHeight)
        return Unexpected{VideoParseError::BadSize};
    h.frameNumber = read32(p + 12);
    const auto time = WireTime::bounded(static_cast<std::int64_t>(read64(p + 16)));
    if (!time) return Unexpected{VideoParseError::BadTime};
    h.captureServerUs = *time;
    view.payload = bytes.subspan(kVideoHeaderBytes);
    return view;
}

std::size_t writeVideoFrame(const VideoHeader& header, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
    const std::size_t total = kVideoHeaderBytes + payload.size();
    if (payload.empty() || total > kMaxVideoFrameBytes || out.size() < total) return 0;
    std::uint8_t* p = out.data();
    p[0] = kVideoVersion;
    p[1] = header.flags;
    p[2] = static_cast<std::uint8_t>(header.layer);
    p[3] = header.framesPerSecond;
    write16(p + 4, header.streamId);
    write16(p + 6, header.width);
    write16(p + 8, header.height);
    write16(p + 10, 0);
    write32(p + 12, header.frameNumber);
    write64(p + 16, static_cast<std::uint64_t>(header.captureServerUs.us()));
    std::memcpy(p + kVideoHeaderBytes, payload.data(), payload.size());
    return total;
}

void stampVideoStreamId(std::span<std::uint8_t> encodedFrame, std::uint16_t streamId) {
    if (encodedFrame.size() >= kVideoHeaderBytes) write16(encodedFrame.data() + 4, streamId);
}

}  // namespace samspil::protocol
