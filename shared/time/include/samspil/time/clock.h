// Clocks. Samspil measures time in microseconds of CLOCK_MONOTONIC on every host.
#pragma once

#include <cstdint>

namespace samspil {

/// Microseconds on the monotonic clock (shared by all processes of one host).
std::int64_t monotonicMicros();

/// Milliseconds since the Unix epoch (wall clock, for display and storage only).
std::int64_t unixMillis();

/// Sleeps until the monotonic clock reaches the given microsecond (returns at once if past).
void sleepUntilMicros(std::int64_t deadlineUs);

}  // namespace samspil
