// TestPatternCamera: a camera that films the test pattern (samspil/video/test_pattern.h) —
// moving bars and, across the top, the capture time on the server's clock, so a receiver
// reads glass-to-glass delay from the decoded pixels. Paced by the monotonic clock at its
// frame rate. Capture thread only.
#pragma once

#include "samspil/client_video/camera_source.h"

namespace samspil::client_video {

class TestPatternCamera : public CameraSource {
public:
    TestPatternCamera(int width, int height, int framesPerSecond, ServerClock clock);

    std::string name() const override { return "Test pattern"; }
    int width() const override { return width_; }
    int height() const override { return height_; }
    int framesPerSecond() const override { return framesPerSecond_; }
    std::optional<CapturedPicture> next(std::int64_t timeoutUs) override;

private:
    int width_;
    int height_;
    int framesPerSecond_;
    ServerClock clock_;
    std::uint32_t frame_ = 0;
    std::int64_t nextAtUs_ = 0;
};

}  // namespace samspil::client_video
