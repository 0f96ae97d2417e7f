// JACK's clock against the machine's monotonic clock (the one samspil-cli and the server
// report times on), for the small JACK tools the tests run. Header-only: each tool is one file.
#pragma once

#include <jack/jack.h>

#include <cstdint>
#include <time.h>

namespace samspil::test {

inline std::int64_t monotonicMicros() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

/// JACK's clock minus the monotonic clock, from the tightest of several paired readings.
inline std::int64_t jackClockOffset() {
    std::int64_t best = 0, bestWidth = INT64_MAX;
    for (int i = 0; i < 50; ++i) {
        const std::int64_t before = monotonicMicros();
        const auto jack = static_cast<std::int64_t>(jack_get_time());
        const std::int64_t after = monotonicMicros();
        if (after - before < bestWidth) {
            bestWidth = after - before;
            best = jack - (before + after) / 2;
        }
    }
    return best;
}

}  // namespace samspil::test
