// Mouth-to-ear latency as docs/protocol.md defines it ("Clocks and latency"), in one place
// for every client: when a sender captured a sound, on the receiver's own clock.
#pragma once

#include "samspil/audio/opus_codec.h"

#include <cstdint>

namespace samspil {

/// Local monotonic µs at which the sound a decoded block starts with was captured: the
/// block's first sample has media timestamp `timestamp`, Opus delays by its lookahead, the
/// sender announced `epochServerUs` (server clock) for timestamp 0, and server clock minus
/// local clock is `clockOffsetUs`.
constexpr std::int64_t captureTimeLocalUs(std::int64_t epochServerUs, std::int64_t clockOffsetUs,
                                          std::uint32_t timestamp) {
    return epochServerUs - clockOffsetUs +
           (std::int64_t{timestamp} - kOpusCodecDelaySamples) * 1'000'000 / 48000;
}

/// Mouth to ear in ms for a block that started playing at local monotonic `playedUs`.
constexpr double mouthToEarMs(std::int64_t playedUs, std::int64_t epochServerUs, std::int64_t clockOffsetUs,
                              std::uint32_t timestamp) {
    return static_cast<double>(playedUs - captureTimeLocalUs(epochServerUs, clockOffsetUs, timestamp)) / 1000.0;
}

}  // namespace samspil
