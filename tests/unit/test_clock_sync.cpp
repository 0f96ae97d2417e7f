// Clock offset from ping/pong: the shortest round trip wins.
#include "samspil/time/clock_sync.h"

#include <catch2/catch.hpp>

using namespace samspil;

TEST_CASE("the offset comes from the round trip least disturbed by queueing", "[clock]") {
    ClockSync sync;
    CHECK_FALSE(sync.offsetUs());
    // The server clock is 1,000,000 µs ahead. A symmetric 200 µs trip, then a slow asymmetric one.
    sync.addSample(10'000, 1'010'100, 10'200);
    CHECK(sync.offsetUs() == 1'000'000);
    sync.addSample(20'000, 1'025'000, 30'000);  // 10 ms, delayed on the way back
    CHECK(sync.offsetUs() == 1'000'000);
    CHECK(sync.bestRoundTripUs() == 200);
    CHECK(sync.lastRoundTripUs() == 10'000);
    CHECK(sync.toLocal(2'000'000) == 1'000'000);
    CHECK(sync.toServer(5) == 1'000'005);
}

TEST_CASE("old samples age out so a drifting clock is followed", "[clock]") {
    ClockSync sync;
    sync.addSample(0, 500, 100);  // offset 450, a very good trip
    for (int i = 1; i <= 16; ++i) sync.addSample(i * 1000, i * 1000 + 700 + 150, i * 1000 + 300);
    CHECK(sync.offsetUs() == 700);
    sync.addSample(100, 50, 90);  // time going backwards is not a round trip
    CHECK(sync.offsetUs() == 700);
}

TEST_CASE("on a jittery line the median of the quickest trips is closer than the quickest alone", "[clock]") {
    // A 40 ms line whose two directions each wander by a few ms: every trip's offset is off
    // by half the difference of its two delays. Truth: the server is 1,000,000 µs ahead.
    ClockSync sync;
    const std::int64_t trips[][2] = {{20'000, 21'200},   // up, down (µs): quickest, off by −600
                                     {21'000, 20'400},   // +300
                                     {20'800, 21'000},   // −100
                                     {21'300, 20'500},   // +400
                                     {20'900, 21'100},   // −100
                                     {26'000, 20'000}};  // slow: left out
    std::int64_t sent = 0;
    for (const auto& trip : trips) {
        sync.addSample(sent, sent + trip[0] + 1'000'000, sent + trip[0] + trip[1]);
        sent += 500'000;
    }
    CHECK(sync.bestRoundTripUs() == 41'200);
    CHECK(sync.offsetUs() == 1'000'000 - 100);  // the quickest alone: −600
}
