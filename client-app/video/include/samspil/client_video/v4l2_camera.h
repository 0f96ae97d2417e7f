// V4l2Camera: a real camera on Linux through Debian's libv4l2 (which speaks to drivers that
// need help), streaming into memory-mapped buffers; each picture converted to I420 by
// libyuv from whatever the camera gives (YUYV, MJPEG, NV12 …). Capture thread only.
//
// Not exercised by the tests: the CI machine has no camera and no v4l2loopback; every test
// films the test pattern through the same CameraSource interface.
#pragma once

#include "samspil/client_video/camera_source.h"

#include <memory>
#include <string>
#include <vector>

namespace samspil::client_video {

class V4l2Camera : public CameraSource {
public:
    /// Opens `device` asking for this size and rate (the camera picks the nearest it has).
    static std::unique_ptr<V4l2Camera> open(const std::string& device, int width, int height, int framesPerSecond,
                                            std::string& error);
    ~V4l2Camera() override;

    std::string name() const override { return name_; }
    int width() const override { return width_; }
    int height() const override { return height_; }
    int framesPerSecond() const override { return framesPerSecond_; }
    std::optional<CapturedPicture> next(std::int64_t timeoutUs) override;

private:
    V4l2Camera() = default;
    struct Buffer {
        void* start = nullptr;
        std::size_t length = 0;
    };
    int fd_ = -1;
    std::string name_;
    int width_ = 0;
    int height_ = 0;
    int framesPerSecond_ = 30;
    std::uint32_t fourcc_ = 0;
    bool monotonicStamps_ = false;
    std::vector<Buffer> buffers_;
};

}  // namespace samspil::client_video
