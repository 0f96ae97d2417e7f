// The control messages of video (docs/protocol.md, "Video"), in JSON like every control
// message; the frames themselves never travel on the control WebSocket (video_frame.h).
#pragma once

#include "samspil/protocol/video_frame.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samspil::protocol {

/// A participant's camera as the room sees it.
enum class CameraState : std::uint8_t {
    Off,     ///< no video
    On,      ///< sending
    Paused,  ///< on, but the line is too weak: no frames for now
};
std::string_view cameraStateName(CameraState state);
std::optional<CameraState> cameraStateFromName(std::string_view name);
std::string_view videoLayerName(VideoLayer layer);
std::optional<VideoLayer> videoLayerFromName(std::string_view name);

// ---- client → server ------------------------------------------------------------------

/// The first message on a participant's video WebSocket: the token of its welcome.
struct VideoAttach {
    std::string token;
};

/// The sender's own camera: on, paused (it adapts and the line is too weak), or off.
struct CameraSet {
    CameraState state = CameraState::Off;
};

/// What this receiver wants of one sender's video: a layer, or nothing (`layer` empty).
struct VideoSubscribe {
    std::uint16_t streamId = 0;
    std::optional<VideoLayer> layer;
};

/// A receiver lost frames of a sender's layer and cannot decode until a keyframe.
struct KeyframeRequest {
    std::uint16_t streamId = 0;
    VideoLayer layer = VideoLayer::Small;
};

/// How a sender's video reaches this receiver, about once a second.
struct VideoReport {
    std::uint16_t streamId = 0;
    VideoLayer layer = VideoLayer::Small;
    std::uint32_t framesReceived = 0;  ///< in the last report's period
    std::uint32_t framesLost = 0;      ///< missing or undecodable
    std::uint32_t delayMs = 0;         ///< capture → decoded, the period's median (0–60000)
    /// How much of what the server sent this receiver its line lost in the period (0–100): UDP
    /// datagrams missing from the server's count; on WebSockets, the share of the others' audio
    /// it had to conceal. The server holds video back from a receiver whose line loses.
    std::uint32_t lineLossPercent = 0;
};

/// Show one participant large to everyone (0: nobody). The teacher in a school's room,
/// anyone in an open room.
struct Pin {
    std::uint32_t participantId = 0;
};

/// The teacher stops (or allows again) a participant's video, as with mute.
struct CameraBlock {
    std::uint32_t participantId = 0;
    bool blocked = true;
};

// ---- server → client ------------------------------------------------------------------

/// To a sender: the layers its receivers want now, which need a keyframe, and how its video
/// reaches them (the worst receiver's figures of the last second).
struct VideoDemand {
    bool small = false;
    bool large = false;
    bool keyframeSmall = false;
    bool keyframeLarge = false;
    std::uint32_t receivers = 0;
    std::uint32_t worstLossPercent = 0;  ///< 0–100
    std::uint32_t worstDelayMs = 0;
    std::uint32_t droppedFrames = 0;     ///< dropped by the server toward slow receivers, last second
    /// How much later than its line's own delay the sender's audio arrives now (ms): a queue
    /// filling in its upload (a home line's modem), seen before anything is lost.
    std::uint32_t uplinkQueueMs = 0;
};

}  // namespace samspil::protocol
