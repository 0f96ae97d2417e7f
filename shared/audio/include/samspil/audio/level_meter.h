// LevelMeter: peak level of an audio signal for a meter, with a falling hold. The audio
// thread feeds blocks; any thread reads the level (an atomic). No locks, no allocation.
#pragma once

#include "samspil/audio/stereo_mix.h"

#include <atomic>
#include <cmath>

namespace samspil {

class LevelMeter {
public:
    /// Audio thread: feeds a block (any stride). Falls about 20 dB per second after a peak.
    void feed(const float* samples, int count, int stride, double blockSeconds) {
        float peak = 0.0f;
        for (int i = 0; i < count; ++i) peak = std::fmax(peak, std::fabs(samples[i * stride]));
        const float fallen = held_ * static_cast<float>(std::pow(10.0, -1.0 * blockSeconds));  // -20 dB/s
        held_ = std::fmax(peak, fallen);
        level_.store(held_, std::memory_order_relaxed);
    }
    /// Audio thread: the block was silence (no source).
    void feedSilence(double blockSeconds) { feed(nullptr, 0, 1, blockSeconds); }

    /// Any thread: the current level, 0..1 (peaks above 1 are clipping).
    float level() const { return level_.load(std::memory_order_relaxed); }
    /// Any thread: the level in dBFS (-100 for silence).
    float decibels() const {
        return gainToDecibels(level());
    }

private:
    float held_ = 0.0f;  // audio thread
    std::atomic<float> level_{0.0f};
};

}  // namespace samspil
