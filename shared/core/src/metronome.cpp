#include "samspil/core/metronome.h"

#include <cmath>

namespace samspil {
namespace {
constexpr double kClickSeconds = 0.03;
}

void Metronome::render(float* left, float* right, int frames, double sampleRate) {
    const bool running = running_.load();
    if (!running) {
        wasRunning_ = false;
        shownBeat_.store(-1, std::memory_order_relaxed);
        return;
    }
    if (!wasRunning_) {  // start on a downbeat, now
        wasRunning_ = true;
        samplesToNextBeat_ = 0;
        beatInBar_ = -1;
    }
    const double samplesPerBeat = sampleRate * 60.0 / tempo_.load();
    const int clickLength = static_cast<int>(kClickSeconds * sampleRate);
    const float level = level_.load();
    for (int i = 0; i < frames; ++i) {
        if (samplesToNextBeat_ <= 0) {
            samplesToNextBeat_ += samplesPerBeat;
            beatInBar_ = (beatInBar_ + 1) % beatsPerBar_.load();
            shownBeat_.store(beatInBar_, std::memory_order_relaxed);
            accentClick_ = accent_.load() && beatInBar_ == 0;
            clickSample_ = 0;
        }
        samplesToNextBeat_ -= 1;
        if (clickSample_ < 0) continue;
        const double t = clickSample_ / sampleRate;
        const double hz = accentClick_ ? 1760.0 : 1320.0;
        const double envelope = std::exp(-t * 120.0);
        const float value = static_cast<float>((accentClick_ ? 1.0 : 0.6) * level * envelope * std::sin(2 * 3.14159265358979 * hz * t));
        left[i] += value;
        right[i] += value;
        if (++clickSample_ >= clickLength) clickSample_ = -1;
    }
}

}  // namespace samspil
