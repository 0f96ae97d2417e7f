// What the media on the wire is, apart from its bytes (docs/protocol.md, "Media"): 48 kHz
// Opus in frames of 2.5, 5, 10 or 20 ms, restricted-low-delay (2.5 ms of lookahead).
// Facts the protocol checks and every codec user follows; no codec here. Any thread.
#pragma once

#include <cmath>

namespace samspil {

/// Algorithmic delay of restricted-low-delay Opus at 48 kHz (its lookahead): 2.5 ms.
/// A decoded sample at media timestamp t was captured at t - kOpusCodecDelaySamples.
inline constexpr int kOpusCodecDelaySamples = 120;

/// True for the frame sizes Samspil sends: 120, 240, 480, 960 samples at 48 kHz.
constexpr bool isSupportedFrameSize(int frameSamples) {
    return frameSamples == 120 || frameSamples == 240 || frameSamples == 480 || frameSamples == 960;
}

/// Frame sizes the apps offer a player: 120, 240 or 480 (2.5, 5, 10 ms); 20 ms is too slow
/// for playing together and is only accepted on the wire.
constexpr bool isPlayerFrameSize(int frameSamples) {
    return isSupportedFrameSize(frameSamples) && frameSamples <= 480;
}

/// Frame size in samples for a duration in milliseconds (2.5 → 120), or 0 if unsupported.
inline int frameSamplesForMilliseconds(double milliseconds) {
    const int samples = static_cast<int>(std::lround(milliseconds * 48.0));
    return isSupportedFrameSize(samples) ? samples : 0;
}

}  // namespace samspil
