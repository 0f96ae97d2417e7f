#include "latency_histogram.h"

#include <algorithm>

namespace samspil::bench {

void LatencyHistogram::add(std::int64_t micros) {
    micros = std::max<std::int64_t>(0, micros);
    const auto bucket = std::min<std::size_t>(static_cast<std::size_t>(micros / kBucketUs), kBuckets);
    ++buckets_[bucket];
    ++count_;
    max_ = std::max(max_, micros);
}

double LatencyHistogram::percentileMicros(double p) const {
    if (count_ == 0) return 0;
    const auto target = static_cast<std::uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i <= kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= target) return i == kBuckets ? static_cast<double>(max_) : static_cast<double>(i * kBucketUs + kBucketUs / 2);
    }
    return static_cast<double>(max_);
}

}  // namespace samspil::bench
