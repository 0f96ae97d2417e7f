// A fixed-resolution latency histogram (10 µs buckets up to 250 ms) for percentiles.
#pragma once

#include <cstdint>
#include <vector>

namespace samspil::bench {

class LatencyHistogram {
public:
    LatencyHistogram() : buckets_(kBuckets + 1, 0) {}
    void add(std::int64_t micros);
    /// The value (µs) below which fraction p of the samples lie.
    double percentileMicros(double p) const;
    std::int64_t maxMicros() const { return max_; }
    std::uint64_t count() const { return count_; }

private:
    static constexpr std::int64_t kBucketUs = 10;
    static constexpr std::size_t kBuckets = 25'000;
    std::vector<std::uint64_t> buckets_;  // last: overflow
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
};

}  // namespace samspil::bench
