#include "samspil/audio/interval_delay_line.h"

#include <algorithm>
#include <cmath>

namespace samspil {
namespace {

constexpr std::uint32_t kMask = IntervalDelayLine::kCapacityFrames - 1;

std::int16_t toSample(float value) {
    return static_cast<std::int16_t>(std::lrint(std::clamp(value, -1.0f, 1.0f) * 32767.0f));
}

}  // namespace

IntervalDelayLine::IntervalDelayLine() : samples_(std::size_t{kCapacityFrames} * 2) {}

void IntervalDelayLine::write(const float* stereo, int frames, std::uint32_t timestamp) {
    if (frames <= 0) return;
    const auto ahead = static_cast<std::int32_t>(timestamp - end_);  // > 0: a gap; < 0: rewriting
    if (!started_ || ahead > kCapacityFrames || ahead < -kCapacityFrames) {
        started_ = true;
        end_ = timestamp;
        filled_ = 0;
    } else if (ahead > 0) {
        // Nothing came for the gap: silence, so old audio from a lap ago is never played.
        std::int16_t* ring = samples_.data();
        for (std::int32_t i = 0; i < ahead; ++i) {
            const std::uint32_t at = (end_ + static_cast<std::uint32_t>(i)) & kMask;
            ring[2 * at] = ring[2 * at + 1] = 0;
        }
        end_ = timestamp;
        filled_ = std::min<std::int64_t>(filled_ + ahead, kCapacityFrames);
    }
    std::int16_t* ring = samples_.data();
    for (int i = 0; i < frames; ++i) {
        const std::uint32_t at = (timestamp + static_cast<std::uint32_t>(i)) & kMask;
        ring[2 * at] = toSample(stereo[2 * i]);
        ring[2 * at + 1] = toSample(stereo[2 * i + 1]);
    }
    const std::uint32_t writtenEnd = timestamp + static_cast<std::uint32_t>(frames);
    if (const auto beyond = static_cast<std::int32_t>(writtenEnd - end_); beyond > 0) {
        end_ = writtenEnd;
        filled_ = std::min<std::int64_t>(filled_ + beyond, kCapacityFrames);
    }
}

void IntervalDelayLine::writeContinuing(const float* stereo, int frames) {
    if (started_) write(stereo, frames, end_);
}

void IntervalDelayLine::read(float* stereo, int frames, std::uint32_t timestamp) const {
    const std::int16_t* ring = samples_.data();
    for (int i = 0; i < frames; ++i) {
        const std::uint32_t position = timestamp + static_cast<std::uint32_t>(i);
        const auto age = static_cast<std::int64_t>(static_cast<std::int32_t>(end_ - position));  // 1 = the newest frame
        if (!started_ || age < 1 || age > filled_) {
            stereo[2 * i] = stereo[2 * i + 1] = 0.0f;
            continue;
        }
        const std::uint32_t at = position & kMask;
        stereo[2 * i] = ring[2 * at] / 32767.0f;
        stereo[2 * i + 1] = ring[2 * at + 1] / 32767.0f;
    }
}

}  // namespace samspil
