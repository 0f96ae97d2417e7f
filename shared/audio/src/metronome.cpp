#include "samspil/audio/metronome.h"

#include <algorithm>
#include <cmath>

namespace samspil {
namespace {
constexpr double kClickSeconds = 0.03;
// A grid beat whose instant passed less than this before the block still sounds (at the
// block's start): the block times move by a few samples when the stream's epoch is
// re-estimated. An older one is skipped rather than played late.
constexpr double kLatestBeatUs = 3000.0;
}  // namespace

void Metronome::followRoomGrid(std::int64_t startServerUs, double bpm, int beatsPerBar, bool accent) {
    published_.write(Grid{true, startServerUs, std::clamp(bpm, 20.0, 400.0), std::clamp(beatsPerBar, 1, 16), accent});
}

void Metronome::stopRoomGrid() {
    published_.write(Grid{});
}

void Metronome::render(float* left, float* right, int frames, double sampleRate, std::int64_t firstSampleLocalUs) {
    // The grid, if a new one was published and can be read whole (else the one read before).
    if (published_.version() != gridSeen_) {
        std::uint32_t version = 0;
        if (const auto grid = published_.tryRead(&version)) {
            grid_ = *grid;
            gridSeen_ = version;
            nextGridBeat_ = -1;
            lastGridBeat_ = -1;
        }
    }
    if (grid_.on) return renderGrid(left, right, frames, sampleRate, firstSampleLocalUs);
    renderOwn(left, right, frames, sampleRate);
}

// Audio thread: the first beat of the grid not yet past at this block. Found again whenever
// the clock offset to the server changes — the first estimate may come after the grid (with
// an offset of 0 the monotonic clocks differ by days of uptime, so a beat index found then
// is millions of beats off) — but never a beat that already sounded.
void Metronome::findNextGridBeat(double blockStartUs, double startLocalUs, double beatUs) {
    const auto fromTime = static_cast<std::int64_t>(std::ceil((blockStartUs - kLatestBeatUs - startLocalUs) / beatUs));
    nextGridBeat_ = std::max<std::int64_t>(0, fromTime);
    // The click just played stays played, unless the old placement was far off (then the
    // beat numbers it counted mean nothing here).
    if (lastGridBeat_ >= 0 && lastGridBeat_ <= nextGridBeat_ + 1) nextGridBeat_ = std::max(nextGridBeat_, lastGridBeat_ + 1);
}

void Metronome::renderGrid(float* left, float* right, int frames, double sampleRate, std::int64_t firstSampleLocalUs) {
    wasRunning_ = false;  // the own metronome starts afresh when the grid stops
    const double beatUs = 60e6 / grid_.bpm;
    const std::int64_t offsetUs = serverOffsetUs_.load(std::memory_order_relaxed);
    const double startLocalUs = static_cast<double>(grid_.startServerUs - offsetUs);
    const double blockStartUs = static_cast<double>(firstSampleLocalUs);
    if (nextGridBeat_ < 0 || offsetUs != offsetSeenUs_) {
        offsetSeenUs_ = offsetUs;
        findNextGridBeat(blockStartUs, startLocalUs, beatUs);
    }
    const float level = roomClickAudible_.load(std::memory_order_relaxed) ? level_.load() : 0.0f;
    int done = 0;
    for (;;) {
        const double beatAtUs = startLocalUs + static_cast<double>(nextGridBeat_) * beatUs;
        const double offsetSamples = (beatAtUs - blockStartUs) * sampleRate / 1e6;
        const auto at = static_cast<int>(std::llround(offsetSamples));
        if (at >= frames) break;
        if (beatAtUs < blockStartUs - kLatestBeatUs) {  // long past (the clock moved): skip it
            ++nextGridBeat_;
            continue;
        }
        const int start = std::max(at, done);
        addClicks(left, right, done, start, sampleRate, level);
        startClick(grid_.accent, static_cast<int>(nextGridBeat_ % grid_.beatsPerBar));
        done = start;
        lastGridBeat_ = nextGridBeat_++;
    }
    addClicks(left, right, done, frames, sampleRate, level);
}

void Metronome::startClick(bool accent, int beatInBar) {
    beatInBar_ = beatInBar;
    shownBeat_.store(beatInBar, std::memory_order_relaxed);
    accentClick_ = accent && beatInBar == 0;
    clickSample_ = 0;
}

// The current click (if one sounds) over samples [from, to).
void Metronome::addClicks(float* left, float* right, int from, int to, double sampleRate, float level) {
    const int clickLength = static_cast<int>(kClickSeconds * sampleRate);
    for (int i = from; i < to && clickSample_ >= 0; ++i) {
        const double t = clickSample_ / sampleRate;
        const double hz = accentClick_ ? 1760.0 : 1320.0;
        const double envelope = std::exp(-t * 120.0);
        const float value =
            static_cast<float>((accentClick_ ? 1.0 : 0.6) * level * envelope * std::sin(2 * 3.14159265358979 * hz * t));
        left[i] += value;
        right[i] += value;
        if (++clickSample_ >= clickLength) clickSample_ = -1;
    }
}

void Metronome::renderOwn(float* left, float* right, int frames, double sampleRate) {
    const bool running = running_.load();
    if (!running) {
        wasRunning_ = false;
        shownBeat_.store(-1, std::memory_order_relaxed);
        addClicks(left, right, 0, frames, sampleRate, level_.load());  // a click the grid's stop cut
        return;
    }
    if (!wasRunning_) {  // start on a downbeat, now
        wasRunning_ = true;
        samplesToNextBeat_ = 0;
        beatInBar_ = -1;
    }
    const double samplesPerBeat = sampleRate * 60.0 / tempo_.load();
    const float level = level_.load();
    int done = 0;
    for (int i = 0; i < frames; ++i) {
        if (samplesToNextBeat_ <= 0) {
            addClicks(left, right, done, i, sampleRate, level);
            done = i;
            samplesToNextBeat_ += samplesPerBeat;
            startClick(accent_.load(), (beatInBar_ + 1) % beatsPerBar_.load());
        }
        samplesToNextBeat_ -= 1;
    }
    addClicks(left, right, done, frames, sampleRate, level);
}

}  // namespace samspil
