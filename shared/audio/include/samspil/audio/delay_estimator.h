// DelayEstimator: learns how much buffering a stream needs from when its packets arrive.
// For every packet it measures the transit time (arrival minus media timestamp), keeps the
// least transit of the last couple of seconds as the baseline (what an unhindered packet
// takes; following it also follows sender clock drift), and remembers the largest delay
// above that baseline over a longer memory, so recurring spikes are absorbed, not forgotten.
// Preallocated, no locks: runs on the audio thread.
#pragma once

#include <array>
#include <cstdint>

namespace samspil {

struct DelayEstimatorSettings {
    std::int64_t baselineWindowUs = 2'000'000;  ///< the least transit is taken over this span
    int peakMemorySeconds = 12;                 ///< a delay peak is remembered this long
    std::int64_t maxUsefulDelayUs = 40'000;     ///< delays beyond this are losses, not jitter
};

class DelayEstimator {
public:
    explicit DelayEstimator(const DelayEstimatorSettings& settings = {});

    /// Records one packet: it arrived at arrivalUs and carries media time mediaUs.
    /// Returns its delay above the baseline (µs).
    std::int64_t addPacket(std::int64_t arrivalUs, std::int64_t mediaUs);

    /// The least transit over the baseline window (valid after the first packet).
    std::int64_t baselineUs() const { return baselineUs_; }

    /// The delay above the baseline that recurs within the peak memory: the second largest of
    /// the per-second peaks, so that one stray spike (a stall) does not raise the latency for
    /// everyone while spikes that keep coming are absorbed. Delays beyond maxUsefulDelayUs
    /// are losses, not jitter, and are ignored.
    std::int64_t peakDelayUs(std::int64_t nowUs) const;

    bool empty() const { return count_ == 0; }
    void reset();

private:
    struct Sample {
        std::int64_t arrivalUs;
        std::int64_t transitUs;
    };
    static constexpr std::size_t kRing = 4096;  // > baseline window / smallest frame (2 s / 2.5 ms)
    static constexpr std::size_t kBuckets = 64; // ≥ peakMemorySeconds

    DelayEstimatorSettings settings_;
    // Sliding-window minimum of transit: a monotonic queue in a fixed ring.
    std::array<Sample, kRing> ring_{};
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::int64_t baselineUs_ = 0;
    // Peak memory: the largest delay seen in each second, by second.
    std::array<std::int64_t, kBuckets> bucketPeakUs_{};
    std::array<std::int64_t, kBuckets> bucketSecond_{};
};

}  // namespace samspil
