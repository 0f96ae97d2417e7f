#include "samspil/time/clock_sync.h"

#include <algorithm>

namespace samspil {

void ClockSync::addSample(std::int64_t clientSendUs, std::int64_t serverUs, std::int64_t clientReceiveUs) {
    if (clientReceiveUs < clientSendUs) return;  // not a real round trip
    Sample sample;
    sample.roundTripUs = clientReceiveUs - clientSendUs;
    // Assume the server stamped halfway through the round trip.
    sample.offsetUs = serverUs - (clientSendUs + sample.roundTripUs / 2);
    samples_[next_] = sample;
    next_ = (next_ + 1) % kWindow;
    if (count_ < kWindow) ++count_;
}

// The offset of one round trip is off by half the difference between its two directions'
// delays. The quickest trip bounds that best, but on a jittery line even it is uneven by a
// few ms; the trips nearly as quick are uneven the other way as often, so the median of
// the quickest few (within 10 % of the best, or 0.3 ms) is closer than any one of them.
std::optional<std::int64_t> ClockSync::offsetUs() const {
    if (count_ == 0) return std::nullopt;
    const std::int64_t best = *bestRoundTripUs();
    const std::int64_t tolerance = std::max<std::int64_t>(300, best / 10);
    std::array<Sample, kWindow> quick{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i)
        if (samples_[i].roundTripUs <= best + tolerance) quick[n++] = samples_[i];
    // The quickest kMedianOf of them, then their median offset.
    const std::size_t used = std::min(n, kMedianOf);
    std::partial_sort(quick.begin(), quick.begin() + static_cast<std::ptrdiff_t>(used), quick.begin() + static_cast<std::ptrdiff_t>(n),
                      [](const Sample& a, const Sample& b) { return a.roundTripUs < b.roundTripUs; });
    std::array<std::int64_t, kMedianOf> offsets{};
    for (std::size_t i = 0; i < used; ++i) offsets[i] = quick[i].offsetUs;
    std::sort(offsets.begin(), offsets.begin() + static_cast<std::ptrdiff_t>(used));
    return used % 2 == 1 ? offsets[used / 2] : (offsets[used / 2 - 1] + offsets[used / 2]) / 2;
}

std::optional<std::int64_t> ClockSync::bestRoundTripUs() const {
    if (count_ == 0) return std::nullopt;
    std::int64_t best = samples_[0].roundTripUs;
    for (std::size_t i = 1; i < count_; ++i)
        if (samples_[i].roundTripUs < best) best = samples_[i].roundTripUs;
    return best;
}

std::optional<std::int64_t> ClockSync::lastRoundTripUs() const {
    if (count_ == 0) return std::nullopt;
    return samples_[(next_ + kWindow - 1) % kWindow].roundTripUs;
}

}  // namespace samspil
