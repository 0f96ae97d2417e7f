// Interval mode (docs/protocol.md, "Interval mode"): each participant is heard one interval
// after they played, placed by capture time — the delay line alone, then two real engines.
#include "engine_pair.h"
#include "samspil/audio/interval_delay_line.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace samspil;
using namespace samspil::test;

TEST_CASE("the delay line gives back audio by its media timestamp, and silence for what it never got", "[client][interval]") {
    IntervalDelayLine line;
    std::vector<float> block(2 * 100), out(2 * 100);
    for (int i = 0; i < 100; ++i) block[2 * i] = block[2 * i + 1] = static_cast<float>(i) / 200.0f;
    const std::uint32_t start = 0xFFFFFF00u;  // across the 32-bit wrap of media timestamps
    line.write(block.data(), 100, start);
    line.read(out.data(), 100, start);
    for (int i = 0; i < 100; ++i) CHECK(out[2 * i] == Approx(static_cast<float>(i) / 200.0f).margin(1e-4));
    // Read from 50 before: 50 frames of silence, then the start of the block.
    line.read(out.data(), 100, start - 50);
    CHECK(out[2 * 49] == 0.0f);
    CHECK(out[2 * 50] == Approx(0.0f).margin(1e-4));
    CHECK(out[2 * 99] == Approx(49 / 200.0f).margin(1e-4));
    // A gap of 1000 frames (a lost stretch the jitter buffer skipped): silence there, not a lap-old echo.
    line.write(block.data(), 100, start + 1100);
    line.read(out.data(), 100, start + 500);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 0.0f; }));
    line.read(out.data(), 100, start + 1100);
    CHECK(out[2 * 10] == Approx(10 / 200.0f).margin(1e-4));
    // Concealment without a timestamp follows on.
    line.writeContinuing(block.data(), 100);
    line.read(out.data(), 100, start + 1200);
    CHECK(out[2 * 99] == Approx(99 / 200.0f).margin(1e-4));
    // Older than the line holds: silence. A new stream: nothing of the old one.
    line.write(block.data(), 100, start + 1200 + IntervalDelayLine::kCapacityFrames - 50);
    line.read(out.data(), 100, start + 1100);
    CHECK(out[2 * 10] == 0.0f);
    line.clear();
    line.read(out.data(), 100, start + 1200 + IntervalDelayLine::kCapacityFrames - 50);
    CHECK(out[2 * 10] == 0.0f);
}

namespace {

// A plays a click every half second (sample 1000 + 24000·k of its capture); both engines run
// in lockstep on one clock in 128-frame blocks from t = 0, so the sound cards' clocks agree
// and B's output sample n leaves the card at n / 48 kHz, as A's capture sample n was taken.
struct ClickLesson {
    ClickLesson() {
        clicks.assign(48000 * 12, 0.0f);
        for (std::size_t at = 1000; at + 48 < clicks.size(); at += 24000)
            for (int i = 0; i < 48; ++i) clicks[at + static_cast<std::size_t>(i)] = 0.8f * std::sin(static_cast<float>(i) * 0.6f);
    }
    // Runs `seconds` more; B's mix appended to heard. onBlock(outputPosition) before each block.
    template <typename F>
    void run(double seconds, F onBlock) {
        std::vector<float> silentL(128), silentR(128), left(128), right(128);
        for (int n = 0; n < static_cast<int>(seconds * 48000 / 128); ++n) {
            onBlock(position);
            const float* input[1] = {clicks.data() + position};
            const std::int64_t now = static_cast<std::int64_t>(position) * 1'000'000 / 48000;
            pair.A->process(input, 1, silentL.data(), silentR.data(), nullptr, 128, now);
            pair.b.now = now;
            pair.B->process(nullptr, 0, left.data(), right.data(), nullptr, 128, now);
            heard.insert(heard.end(), left.begin(), left.end());
            position += 128;
        }
    }
    EnginePair pair{4, 4096};
    std::vector<float> clicks, heard;
    std::size_t position = 0;
};

// The click onsets in `heard`, as offsets from the nearest half-second grid point + 1000.
std::vector<long> onsetsFromGrid(const std::vector<float>& heard, std::size_t from, std::size_t to) {
    std::vector<long> offsets;
    for (std::size_t onset : sampleOnsets(heard, 0.25f, 4800)) {
        if (onset < from || onset >= to) continue;
        const long fromBeat = (static_cast<long>(onset) - 1000) % 24000;
        offsets.push_back(fromBeat > 12000 ? fromBeat - 24000 : fromBeat);
    }
    return offsets;
}

}  // namespace

TEST_CASE("in interval mode a participant is heard exactly one interval after they played", "[client][interval][engine]") {
    ClickLesson lesson;
    RoomAudioEngine& B = *lesson.pair.B;
    B.prepareIntervalMode();
    REQUIRE(B.setIntervalMode(2'000'000, 0));  // two seconds: one bar at 120 BPM
    lesson.run(6.0, [&](std::size_t) { B.setStreamEpoch(7, lesson.pair.A->streamEpochUs()); });
    CHECK(B.intervalDelayUs() == 2'000'000);
    // Nothing in the first interval (nobody had played yet an interval before), then every
    // click 2 s = 96000 samples after it was played: on A's grid, to within a few samples.
    CHECK(sampleOnsets(std::vector<float>(lesson.heard.begin(), lesson.heard.begin() + 96000), 0.25f, 4800).empty());
    const auto first = firstSampleAbove(lesson.heard, 0.25f);
    REQUIRE(first);
    CHECK(static_cast<long>(*first) - (1000 + 96000) == Approx(0).margin(6));
    const auto offsets = onsetsFromGrid(lesson.heard, 96000, lesson.heard.size());
    CHECK(offsets.size() >= 7);
    for (long offset : offsets) CHECK(std::abs(offset) <= 6);
}

TEST_CASE("switching to interval mode and back mid-lesson keeps the clicks coming, on the grid", "[client][interval][engine]") {
    ClickLesson lesson;
    RoomAudioEngine& B = *lesson.pair.B;
    B.prepareIntervalMode();  // as when the room's grid starts: the line fills while live
    bool switched = false, back = false;
    lesson.run(10.0, [&](std::size_t position) {
        B.setStreamEpoch(7, lesson.pair.A->streamEpochUs());
        if (!switched && position >= 48000 * 3) switched = B.setIntervalMode(2'000'000, 4'000'000);  // on a bar line
        if (!back && position >= 48000 * 6) back = B.setIntervalMode(0, 7'000'000);
    });
    REQUIRE(switched);
    REQUIRE(back);
    CHECK(std::all_of(lesson.heard.begin(), lesson.heard.end(), [](float v) { return std::isfinite(v) && std::abs(v) <= 1.0f; }));
    // Live before 4 s and after 7 s (the jitter buffer's few milliseconds late); from 4 s to 7 s
    // what was played 2 s before, exactly on the grid. No silence longer than a beat anywhere.
    const auto onsets = sampleOnsets(lesson.heard, 0.25f, 4800);
    REQUIRE(onsets.size() >= 17);
    for (std::size_t i = 1; i < onsets.size(); ++i) CHECK(onsets[i] - onsets[i - 1] <= 24000 + 960);
    for (long offset : onsetsFromGrid(lesson.heard, 48000 * 4, 48000 * 7)) CHECK(std::abs(offset) <= 6);
    for (long offset : onsetsFromGrid(lesson.heard, 48000 * 7 + 4800, lesson.heard.size())) CHECK(offset > 6);
    CHECK(B.intervalDelayUs() == 0);
}
