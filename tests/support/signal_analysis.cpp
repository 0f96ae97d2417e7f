#include "signal_analysis.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace samspil::test {

std::vector<float> makeTone(double hz, double level, std::size_t frames) {
    std::vector<float> out(frames);
    for (std::size_t i = 0; i < frames; ++i)
        out[i] = static_cast<float>(level * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / 48000.0));
    return out;
}

std::vector<float> makeMelody(double leadSeconds, int notes, double noteSeconds, double tailSeconds, double level) {
    static constexpr double kScale[] = {261.63, 293.66, 329.63, 349.23, 392.00, 440.00, 493.88, 523.25};
    const auto lead = static_cast<std::size_t>(leadSeconds * 48000);
    const auto note = static_cast<std::size_t>(noteSeconds * 48000);
    const auto tail = static_cast<std::size_t>(tailSeconds * 48000);
    std::vector<float> out(lead + note * static_cast<std::size_t>(notes) + tail, 0.0f);
    const std::size_t ramp = 240;  // 5 ms attack and release: no clicks
    for (int n = 0; n < notes; ++n) {
        const double hz = kScale[n % 8];
        for (std::size_t i = 0; i < note; ++i) {
            double gain = 1.0;
            if (i < ramp) gain = static_cast<double>(i) / ramp;
            if (note - i < ramp) gain = static_cast<double>(note - i) / ramp;
            const double t = static_cast<double>(i) / 48000.0;
            // Fundamental plus two partials: more like an instrument than a pure sine.
            const double v = std::sin(2 * std::numbers::pi * hz * t) + 0.4 * std::sin(2 * std::numbers::pi * 2 * hz * t) +
                             0.2 * std::sin(2 * std::numbers::pi * 3 * hz * t);
            out[lead + static_cast<std::size_t>(n) * note + i] = static_cast<float>(level * gain * v / 1.6);
        }
    }
    return out;
}

double correlation(const std::vector<float>& a, std::size_t aStart, const std::vector<float>& b, std::size_t bStart,
                   std::size_t n) {
    if (aStart + n > a.size() || bStart + n > b.size() || n == 0) return 0;
    double meanA = 0, meanB = 0;
    for (std::size_t i = 0; i < n; ++i) {
        meanA += a[aStart + i];
        meanB += b[bStart + i];
    }
    meanA /= static_cast<double>(n);
    meanB /= static_cast<double>(n);
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = a[aStart + i] - meanA;
        const double y = b[bStart + i] - meanB;
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if (aa <= 1e-12 || bb <= 1e-12) return 0;
    return ab / std::sqrt(aa * bb);
}

Alignment align(const std::vector<float>& reference, std::size_t referenceStart, std::size_t length,
                const std::vector<float>& recording, long minLag, long maxLag) {
    Alignment best{minLag, -2};
    for (long lag = minLag; lag <= maxLag; ++lag) {
        const long start = static_cast<long>(referenceStart) + lag;
        if (start < 0) continue;
        const double c = correlation(reference, referenceStart, recording, static_cast<std::size_t>(start), length);
        if (c > best.correlation) best = {lag, c};
    }
    return best;
}

WindowedMatch compareWindowed(const std::vector<float>& reference, std::size_t referenceStart, std::size_t length,
                              const std::vector<float>& recording, long lag, std::size_t window, long search,
                              double threshold) {
    std::vector<double> correlations;
    for (std::size_t at = referenceStart; at + window <= referenceStart + length; at += window)
        correlations.push_back(align(reference, at, window, recording, lag - search, lag + search).correlation);
    WindowedMatch match;
    match.windows = static_cast<int>(correlations.size());
    if (correlations.empty()) return match;
    const auto above = std::count_if(correlations.begin(), correlations.end(), [&](double c) { return c > threshold; });
    match.fractionAbove = static_cast<double>(above) / static_cast<double>(correlations.size());
    std::nth_element(correlations.begin(), correlations.begin() + static_cast<std::ptrdiff_t>(correlations.size() / 2),
                     correlations.end());
    match.medianCorrelation = correlations[correlations.size() / 2];
    return match;
}

std::optional<std::size_t> findOnset(const std::vector<float>& signal, float threshold, std::size_t from) {
    const std::size_t window = 48;
    for (std::size_t i = from; i + window <= signal.size(); i += 8)
        if (rms(signal, i, window) > threshold) return i;
    return std::nullopt;
}

std::optional<std::size_t> firstSampleAbove(const std::vector<float>& signal, float threshold, std::size_t from) {
    for (std::size_t i = from; i < signal.size(); ++i)
        if (std::fabs(signal[i]) > threshold) return i;
    return std::nullopt;
}

std::vector<std::size_t> sampleOnsets(const std::vector<float>& signal, float threshold, std::size_t minGap) {
    std::vector<std::size_t> onsets;
    for (std::size_t at = 0; auto onset = firstSampleAbove(signal, threshold, at);) {
        onsets.push_back(*onset);
        at = *onset + minGap;
    }
    return onsets;
}

double rms(const std::vector<float>& signal, std::size_t start, std::size_t n) {
    if (n == 0 || start + n > signal.size()) return 0;
    double sum = 0;
    for (std::size_t i = start; i < start + n; ++i) sum += static_cast<double>(signal[i]) * signal[i];
    return std::sqrt(sum / static_cast<double>(n));
}

std::size_t longestQuietRun(const std::vector<float>& signal, std::size_t start, std::size_t end, float threshold) {
    const std::size_t window = 48;
    end = std::min(end, signal.size());
    std::size_t longest = 0, run = 0;
    for (std::size_t i = start; i + window <= end; i += window) {
        if (rms(signal, i, window) < threshold) {
            run += window;
            longest = std::max(longest, run);
        } else {
            run = 0;
        }
    }
    return longest;
}


WindowedMatch compareWithTone(const std::vector<float>& recording, double hz, double seconds) {
    const auto onset = findOnset(recording, 0.05f);
    const auto length = static_cast<std::size_t>(seconds * 48000);
    if (!onset || recording.size() < *onset + length + 2400) return {};
    const auto tone = makeTone(hz, 0.5, length + 4800);
    return compareWindowed(tone, 0, length, recording, static_cast<long>(*onset), 2400, 300, 0.9);
}

double toneAmplitude(const std::vector<float>& signal, std::size_t start, std::size_t n, double hz) {
    if (n == 0 || start + n > signal.size()) return 0;
    const double w = 2 * M_PI * hz / 48000, c = 2 * std::cos(w);
    double s1 = 0, s2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double s0 = signal[start + i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return 2 * std::sqrt(std::max(0.0, s1 * s1 + s2 * s2 - c * s1 * s2)) / static_cast<double>(n);
}

}  // namespace samspil::test
