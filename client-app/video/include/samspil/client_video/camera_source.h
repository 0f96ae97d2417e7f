// CameraSource: where a native client's pictures come from — a real camera through V4L2
// (v4l2_camera.h), or the synthetic test pattern (test_pattern_camera.h) every test and
// benchmark uses (the CI machine has no camera). One capture thread calls next().
#pragma once

#include "samspil/video/i420_image.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace samspil::client_video {

/// One picture and when it was taken (local monotonic µs).
struct CapturedPicture {
    video::I420Image picture;
    std::int64_t capturedLocalUs = 0;
};

class CameraSource {
public:
    virtual ~CameraSource() = default;
    /// For people: "Test pattern", or the camera's name.
    virtual std::string name() const = 0;
    virtual int width() const = 0;
    virtual int height() const = 0;
    virtual int framesPerSecond() const = 0;
    /// Capture thread: the next picture, waiting at most `timeoutUs` for it; nothing when
    /// none came in time (or the camera is gone).
    virtual std::optional<CapturedPicture> next(std::int64_t timeoutUs) = 0;
};

/// Local monotonic µs → the server's clock, once known (nothing before the first pong).
using ServerClock = std::function<std::optional<std::int64_t>(std::int64_t localUs)>;

/// The camera `--camera` names: "test-pattern", or a device such as /dev/video0. An error
/// for people when it cannot be opened.
[[nodiscard]] std::unique_ptr<CameraSource> openCamera(const std::string& which, int width, int height,
                                                       int framesPerSecond, ServerClock clock, std::string& error);

}  // namespace samspil::client_video
