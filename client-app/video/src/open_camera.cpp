#include "samspil/client_video/camera_source.h"
#include "samspil/client_video/test_pattern_camera.h"
#include "samspil/client_video/v4l2_camera.h"

namespace samspil::client_video {

std::unique_ptr<CameraSource> openCamera(const std::string& which, int width, int height, int framesPerSecond,
                                         ServerClock clock, std::string& error) {
    if (which == "test-pattern") return std::make_unique<TestPatternCamera>(width, height, framesPerSecond, std::move(clock));
    return V4l2Camera::open(which.empty() ? "/dev/video0" : which, width, height, framesPerSecond, error);
}

}  // namespace samspil::client_video
