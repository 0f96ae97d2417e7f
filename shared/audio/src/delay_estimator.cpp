#include "samspil/audio/delay_estimator.h"

#include <algorithm>

namespace samspil {

DelayEstimator::DelayEstimator(const DelayEstimatorSettings& settings) : settings_(settings) {
    settings_.peakMemorySeconds = std::clamp(settings_.peakMemorySeconds, 1, static_cast<int>(kBuckets));
    reset();
}

void DelayEstimator::reset() {
    head_ = count_ = 0;
    baselineUs_ = 0;
    bucketSecond_.fill(-1);
    bucketPeakUs_.fill(0);
}

std::int64_t DelayEstimator::addPacket(std::int64_t arrivalUs, std::int64_t mediaUs) {
    const std::int64_t transit = arrivalUs - mediaUs;
    // Drop samples that left the window, then those that can never be the minimum again.
    while (count_ > 0 && ring_[head_].arrivalUs < arrivalUs - settings_.baselineWindowUs) {
        head_ = (head_ + 1) % kRing;
        --count_;
    }
    while (count_ > 0 && ring_[(head_ + count_ - 1) % kRing].transitUs >= transit) --count_;
    if (count_ == kRing) {  // cannot happen at Samspil's packet rates; keep the newest
        head_ = (head_ + 1) % kRing;
        --count_;
    }
    ring_[(head_ + count_) % kRing] = {arrivalUs, transit};
    ++count_;
    baselineUs_ = ring_[head_].transitUs;

    const std::int64_t delay = transit - baselineUs_;
    if (delay <= settings_.maxUsefulDelayUs) {
        const std::int64_t second = arrivalUs >= 0 ? arrivalUs / 1'000'000 : -1 - (-arrivalUs / 1'000'000);
        const std::size_t bucket = static_cast<std::size_t>(((second % static_cast<std::int64_t>(kBuckets)) + kBuckets) % kBuckets);
        if (bucketSecond_[bucket] != second) {
            bucketSecond_[bucket] = second;
            bucketPeakUs_[bucket] = 0;
        }
        bucketPeakUs_[bucket] = std::max(bucketPeakUs_[bucket], delay);
    }
    return delay;
}

std::int64_t DelayEstimator::peakDelayUs(std::int64_t nowUs) const {
    const std::int64_t nowSecond = nowUs / 1'000'000;
    std::int64_t largest = 0, second = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        if (bucketSecond_[i] <= nowSecond - settings_.peakMemorySeconds || bucketSecond_[i] > nowSecond) continue;
        const std::int64_t peak = bucketPeakUs_[i];
        if (peak > largest) {
            second = largest;
            largest = peak;
        } else if (peak > second) {
            second = peak;
        }
    }
    return second;
}

}  // namespace samspil
