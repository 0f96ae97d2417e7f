// Audio comparisons for tests: test signals, delay alignment, correlation, onsets.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace samspil::test {

/// A sine of `frames` samples at 48 kHz.
std::vector<float> makeTone(double hz, double level, std::size_t frames);

/// A recognisable "melody": silence for leadSeconds, then notes of noteSeconds each
/// (a C major scale, soft attack and release), then silence for tailSeconds. Mono, 48 kHz.
std::vector<float> makeMelody(double leadSeconds, int notes, double noteSeconds, double tailSeconds, double level);

/// Pearson correlation of a[aStart..aStart+n) and b[bStart..bStart+n) (0 when either is silent).
double correlation(const std::vector<float>& a, std::size_t aStart, const std::vector<float>& b, std::size_t bStart,
                   std::size_t n);

/// Best alignment of `reference` inside `recording`: the lag (samples, recording later) in
/// [minLag, maxLag] with the highest correlation over `length` samples from referenceStart.
struct Alignment {
    long lag = 0;
    double correlation = 0;
};
Alignment align(const std::vector<float>& reference, std::size_t referenceStart, std::size_t length,
                const std::vector<float>& recording, long minLag, long maxLag);

/// Compares `recording` with `reference` window by window, each window aligned on its own
/// within ±search samples of lag. Tolerates the few whole-frame shifts a jitter buffer makes
/// when it grows or shrinks, which a single global alignment would punish for the rest of the file.
struct WindowedMatch {
    double medianCorrelation = 0;
    double fractionAbove = 0;  ///< windows whose correlation exceeds the threshold
    int windows = 0;
};
WindowedMatch compareWindowed(const std::vector<float>& reference, std::size_t referenceStart, std::size_t length,
                              const std::vector<float>& recording, long lag, std::size_t window, long search,
                              double threshold);

/// `seconds` of a recording from its onset against a sine of `hz`, window by window (50 ms
/// windows, each aligned within a period): windows == 0 when the recording has no onset or
/// is too short.
WindowedMatch compareWithTone(const std::vector<float>& recording, double hz, double seconds);

/// Index of the first sample from `from` whose 1 ms RMS envelope exceeds threshold.
std::optional<std::size_t> findOnset(const std::vector<float>& signal, float threshold, std::size_t from = 0);
/// The first sample at or after `from` whose magnitude exceeds threshold (a sample-accurate
/// onset of a clean click; findOnset's RMS windows start up to 48 samples before the sound).
std::optional<std::size_t> firstSampleAbove(const std::vector<float>& signal, float threshold, std::size_t from = 0);
/// Sample-accurate onsets of clicks: firstSampleAbove, each at least minGap samples after the last.
std::vector<std::size_t> sampleOnsets(const std::vector<float>& signal, float threshold, std::size_t minGap);

/// RMS of signal[start..start+n).
/// The amplitude of a sine of `hz` in signal[start, start + n) (Goertzel's algorithm).
double toneAmplitude(const std::vector<float>& signal, std::size_t start, std::size_t n, double hz);

double rms(const std::vector<float>& signal, std::size_t start, std::size_t n);

/// Longest run (in samples) inside [start, end) whose 1 ms RMS stays below threshold.
std::size_t longestQuietRun(const std::vector<float>& signal, std::size_t start, std::size_t end, float threshold);

}  // namespace samspil::test
