// Mixing maths: gain in decibels, constant-power panning, and mixing a stereo source into
// a stereo bus. Plain functions on float buffers; safe on the audio thread.
#pragma once

#include <cmath>

namespace samspil {

/// Linear gain for decibels (-inf below -100 dB).
inline float decibelsToGain(float decibels) {
    return decibels <= -100.0f ? 0.0f : std::pow(10.0f, decibels / 20.0f);
}

/// Decibels for a linear gain (-100 for silence).
inline float gainToDecibels(float gain) {
    return gain <= 1e-5f ? -100.0f : 20.0f * std::log10(gain);
}

/// Left and right gains of a constant-power pan law: pan -1 (left) .. 0 (centre) .. +1 (right).
/// Centre is -3 dB on each side, so a source keeps its loudness wherever it is panned.
struct PanGains {
    float left;
    float right;
};
inline PanGains panGains(float pan) {
    const float clamped = pan < -1.0f ? -1.0f : (pan > 1.0f ? 1.0f : pan);
    const float angle = (clamped + 1.0f) * 0.25f * 3.14159265f;  // 0 .. pi/2
    return {std::cos(angle), std::sin(angle)};
}

/// Adds an interleaved stereo source into separate left/right buses with gain and pan.
/// A mono source is expected as identical left and right samples.
inline void mixStereoInto(const float* interleavedSource, int frames, float gain, float pan, float* left, float* right) {
    const PanGains g = panGains(pan);
    // Pan a stereo source as a balance: each side keeps its own channel.
    const float toLeft = gain * g.left * 1.41421356f;
    const float toRight = gain * g.right * 1.41421356f;
    for (int i = 0; i < frames; ++i) {
        left[i] += interleavedSource[2 * i] * toLeft;
        right[i] += interleavedSource[2 * i + 1] * toRight;
    }
}

}  // namespace samspil
