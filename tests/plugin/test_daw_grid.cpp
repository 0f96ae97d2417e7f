// The DAW as the room's metronome source, without a host: the play head read into bar
// lines (both ways hosts report it), and the messages that make the room's grid follow.
#include "daw_bar_clock.h"
#include "daw_grid.h"

#include <catch2/catch.hpp>

using namespace samspil;
using namespace samspil::plugin;
using PositionInfo = juce::AudioPlayHead::PositionInfo;

namespace {

constexpr std::int64_t kStartUs = 1'000'000'000;

PositionInfo playing(double bpm, int numerator, int denominator) {
    PositionInfo info;
    info.setIsPlaying(true);
    info.setBpm(bpm);
    info.setTimeSignature(juce::AudioPlayHead::TimeSignature{numerator, denominator});
    return info;
}

protocol::RoomMetronome grid(double bpm, int beats, std::int64_t startUs) {
    return protocol::RoomMetronome{true, bpm, beats, true, startUs, 3, "DAW"};
}

}  // namespace

TEST_CASE("the DAW's bar lines from a host that gives the musical position with every block", "[plugin][daw]") {
    DawBarClock clock;
    CHECK_FALSE(clock.latest());
    // 120 BPM in 4/4, two and a half quarter notes into bar 3 (bar lines every 4 quarters).
    auto info = playing(120, 4, 4);
    info.setPpqPosition(10.5);
    info.setPpqPositionOfLastBarStart(8.0);
    clock.update(info, 240, 48000, kStartUs);
    auto bars = clock.latest();
    REQUIRE(bars);
    CHECK(bars->barLineLocalUs == kStartUs - 1'250'000);  // 2.5 quarters at 0.5 s
    CHECK(bars->bpm == 120);
    // Without the bar's start the bars are counted from 0: the same here.
    info = playing(120, 4, 4);
    info.setPpqPosition(10.5);
    clock.update(info, 240, 48000, kStartUs);
    CHECK(clock.latest()->barLineLocalUs == kStartUs - 1'250'000);
    // Stopped: no bar lines to follow; not knowing when the block leaves: none either.
    info.setIsPlaying(false);
    clock.update(info, 240, 48000, kStartUs);
    CHECK_FALSE(clock.latest());
    info.setIsPlaying(true);
    clock.update(info, 240, 48000, 0);
    CHECK_FALSE(clock.latest());
}

TEST_CASE("the DAW's bar lines from a host that tells only when the transport changes (jalv)", "[plugin][daw]") {
    DawBarClock clock;
    // The transport starts at frame 0 at 100 BPM in 3/4; then blocks with no news.
    auto start = playing(100, 3, 4);
    start.setTimeInSamples(0);
    clock.update(start, 256, 48000, kStartUs);
    REQUIRE(clock.latest());
    CHECK(clock.latest()->barLineLocalUs == kStartUs);
    std::int64_t outUs = kStartUs;
    for (int block = 1; block < 500; ++block) {  // 2.7 s: the clock runs on by itself
        outUs = kStartUs + std::int64_t{block} * 256 * 1'000'000 / 48000;
        clock.update({}, 256, 48000, outUs);
    }
    auto bars = clock.latest();
    REQUIRE(bars);
    // A bar line of the same bars (1.8 s apart), within the blocks' rounding.
    CHECK(sameBarLines(bars->barLineLocalUs, kStartUs, 1'800'000, 20));
    CHECK(bars->numerator == 3);
    // The play head moves to beat 2½ of bar 1 (0.9 s): the bars follow.
    auto jump = playing(100, 3, 4);
    jump.setTimeInSamples(43200);
    clock.update(jump, 256, 48000, outUs);
    CHECK(clock.latest()->barLineLocalUs == outUs - 900'000);
}

TEST_CASE("the room's grid follows the DAW: its tempo, its bar and its bar lines", "[plugin][daw]") {
    const DawTempo sixEight{120, 6, 8};  // 240 eighths a minute, six to the bar: 1.5 s
    // Nothing running: the DAW starts it on its own bar lines.
    auto set = metronomeToFollowDaw(sixEight, kStartUs, std::nullopt);
    REQUIRE(set);
    CHECK(set->running);
    CHECK(set->bpm == 240);
    CHECK(set->beatsPerBar == 6);
    CHECK(set->barServerUs == kStartUs);
    // Already on them (a whole number of bars later, 0.8 ms off): nothing to say.
    CHECK_FALSE(metronomeToFollowDaw(sixEight, kStartUs, grid(240, 6, kStartUs + 3 * 1'500'000 + 800)));
    // 5 ms off, another tempo or another bar: follow.
    CHECK(metronomeToFollowDaw(sixEight, kStartUs, grid(240, 6, kStartUs + 5000)));
    CHECK(metronomeToFollowDaw(sixEight, kStartUs, grid(120, 6, kStartUs)));
    CHECK(metronomeToFollowDaw(sixEight, kStartUs, grid(240, 3, kStartUs)));
    // The DAW stopped: a running grid takes its tempo (without bar lines); a stopped one stays stopped.
    auto tempoOnly = metronomeToFollowDaw(sixEight, std::nullopt, grid(100, 4, kStartUs));
    REQUIRE(tempoOnly);
    CHECK(tempoOnly->bpm == 240);
    CHECK_FALSE(tempoOnly->barServerUs);
    CHECK_FALSE(metronomeToFollowDaw(sixEight, std::nullopt, std::nullopt));
    CHECK_FALSE(metronomeToFollowDaw(sixEight, std::nullopt, grid(240, 6, kStartUs)));
    // Interval mode stays on when the new bars fit it, else as many bars as fit 20 s.
    auto interval = grid(100, 4, kStartUs);
    interval.intervalBars = 4;
    CHECK(metronomeToFollowDaw(DawTempo{110, 4, 4}, kStartUs, interval)->intervalBars == 4);
    CHECK(metronomeToFollowDaw(DawTempo{40, 8, 4}, kStartUs, interval)->intervalBars == 1);  // a bar is 12 s
    // Tempos the room cannot have are not passed on.
    CHECK_FALSE(metronomeToFollowDaw(DawTempo{300, 4, 8}, kStartUs, std::nullopt));  // 600 eighths a minute
    CHECK_FALSE(metronomeToFollowDaw(DawTempo{120, 17, 4}, kStartUs, std::nullopt));
}

TEST_CASE("the room follows a new bar line only once the DAW has shown it steadily, at most once a second",
          "[plugin][daw]") {
    DawGridFollower follower;
    const DawTempo fourFour{120, 4, 4};
    std::int64_t now = 0;
    // The DAW starts: after a second of the same bar lines, the room is told.
    CHECK_FALSE(follower.next(fourFour, kStartUs, std::nullopt, now));
    now += 600'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs + 2'000'000, std::nullopt, now));  // the next bar: the same bars
    now += 600'000;
    auto set = follower.next(fourFour, kStartUs + 400, std::nullopt, now);
    REQUIRE(set);
    CHECK(set->barServerUs == kStartUs + 400);
    const auto room = grid(120, 4, kStartUs + 4'000'000);
    // A host's xrun: for one look the bar lines seem 5 ms off, then they are back. The room stays.
    now += 2'000'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs + 5333, room, now));
    now += 200'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs, room, now));
    now += 2'000'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs + 5333, room, now));
    // The user moves the play head: the new bar lines hold, and the room follows a second later.
    now += 200'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs + 700'000, room, now));
    now += 800'000;
    CHECK_FALSE(follower.next(fourFour, kStartUs + 700'000, room, now));
    now += 200'000;
    set = follower.next(fourFour, kStartUs + 700'100, room, now);
    REQUIRE(set);
    CHECK(set->barServerUs == kStartUs + 700'100);
    // A tempo change while the DAW is stopped goes straight on (after the gap since the last).
    now += 100'000;
    CHECK_FALSE(follower.next(DawTempo{90, 4, 4}, std::nullopt, room, now));
    now += 1'000'000;
    CHECK(follower.next(DawTempo{90, 4, 4}, std::nullopt, room, now));
}
