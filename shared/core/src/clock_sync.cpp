#include "samspil/core/clock_sync.h"

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

std::optional<std::int64_t> ClockSync::offsetUs() const {
    if (count_ == 0) return std::nullopt;
    const Sample* best = &samples_[0];
    for (std::size_t i = 1; i < count_; ++i)
        if (samples_[i].roundTripUs < best->roundTripUs) best = &samples_[i];
    return best->offsetUs;
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
