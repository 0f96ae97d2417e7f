#include "samspil/client_video/test_pattern_camera.h"

#include "samspil/time/clock.h"
#include "samspil/video/test_pattern.h"

#include <algorithm>
#include <thread>

namespace samspil::client_video {

TestPatternCamera::TestPatternCamera(int width, int height, int framesPerSecond, ServerClock clock)
    : width_(width), height_(height), framesPerSecond_(std::clamp(framesPerSecond, 1, 60)), clock_(std::move(clock)) {}

std::optional<CapturedPicture> TestPatternCamera::next(std::int64_t timeoutUs) {
    const std::int64_t now = monotonicMicros();
    if (nextAtUs_ == 0) nextAtUs_ = now;
    if (nextAtUs_ - now > timeoutUs) {
        std::this_thread::sleep_for(std::chrono::microseconds(timeoutUs));
        return std::nullopt;
    }
    if (nextAtUs_ > now) std::this_thread::sleep_for(std::chrono::microseconds(nextAtUs_ - now));
    const std::int64_t interval = 1'000'000 / framesPerSecond_;
    // A capture thread that fell behind (a slow encoder) skips frames rather than bunching them.
    nextAtUs_ = std::max(nextAtUs_ + interval, monotonicMicros());
    CapturedPicture captured;
    captured.capturedLocalUs = monotonicMicros();
    captured.picture = video::I420Image(width_, height_);
    // Before the clock is known the picture still moves; its time code is then local time
    // (a receiver's reading of it fails the sanity bound and is not counted).
    const std::int64_t stamp = clock_ ? clock_(captured.capturedLocalUs).value_or(captured.capturedLocalUs)
                                      : captured.capturedLocalUs;
    video::TestPattern::draw(captured.picture, frame_++, stamp);
    return captured;
}

}  // namespace samspil::client_video
