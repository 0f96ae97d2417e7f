#include "link_impairment.h"

#include <algorithm>
#include <cmath>

namespace samspil::netlab {

LinkImpairment::LinkImpairment(const LinkProfile& profile, std::uint64_t seed, std::int64_t startUs)
    : profile_(profile), startUs_(startUs), random_(seed) {}

bool LinkImpairment::inOutage(std::int64_t arrivalUs) const {
    if (profile_.outageAtS < 0 || profile_.outageForS <= 0) return false;
    const double atS = static_cast<double>(arrivalUs - startUs_) / 1e6;
    return atS >= profile_.outageAtS && atS < profile_.outageAtS + profile_.outageForS;
}

double LinkImpairment::rateAt(std::int64_t arrivalUs) const {
    const double atS = static_cast<double>(arrivalUs - startUs_) / 1e6;
    const bool dropped = profile_.rateDropAtS >= 0 && atS >= profile_.rateDropAtS && atS < profile_.rateDropAtS + profile_.rateDropForS;
    return dropped ? profile_.rateDropKbps : profile_.rateKbps;
}

// Two states: good (nothing lost) and bad (everything lost). Leaving the bad state has
// probability 1/length, so bursts last `burstLengthPackets` on average; entering it is
// chosen so that the chain's long-run share of bad packets is `burstLossRate`.
bool LinkImpairment::burstLoses() {
    if (profile_.burstLossRate <= 0) return false;
    const double length = std::max(1.0, profile_.burstLengthPackets);
    const double leave = 1.0 / length;
    const double rate = std::min(profile_.burstLossRate, 0.99);
    const double enter = rate * leave / (1.0 - rate);
    badState_ = badState_ ? unit_(random_) >= leave : unit_(random_) < enter;
    return badState_;
}

LinkImpairment::Verdict LinkImpairment::admit(std::int64_t arrivalUs, std::size_t bytes) {
    Verdict verdict;
    // Every random draw happens for every packet, whatever its fate, so one setting's
    // change does not reshuffle the others' choices for the same seed.
    const bool randomLoss = unit_(random_) < profile_.lossRate;
    const bool burstLoss = burstLoses();
    const double jitterDraw = unit_(random_) * 2.0 - 1.0;
    if (inOutage(arrivalUs)) {
        verdict.fate = Fate::Outage;
        ++counters_.outage;
        return verdict;
    }
    if (randomLoss) {
        verdict.fate = Fate::RandomLoss;
        ++counters_.randomLoss;
        return verdict;
    }
    if (burstLoss) {
        verdict.fate = Fate::BurstLoss;
        ++counters_.burstLoss;
        return verdict;
    }
    std::int64_t departUs = arrivalUs;
    const double rateKbps = rateAt(arrivalUs);
    if (rateKbps > 0) {
        const std::int64_t backlogUs = std::max<std::int64_t>(0, bottleneckFreeUs_ - arrivalUs);
        const double backlogBytes = static_cast<double>(backlogUs) * rateKbps / 8000.0;
        const bool full = profile_.queueBytes > 0 ? backlogBytes + static_cast<double>(bytes) > profile_.queueBytes
                                                  : static_cast<double>(backlogUs) > profile_.queueMs * 1000.0;
        if (full) {
            verdict.fate = Fate::QueueFull;
            ++counters_.queueFull;
            return verdict;
        }
        const auto sendUs = static_cast<std::int64_t>(std::llround(static_cast<double>(bytes) * 8.0 * 1000.0 / rateKbps));
        departUs = std::max(arrivalUs, bottleneckFreeUs_) + sendUs;
        bottleneckFreeUs_ = departUs;
    }
    const double delayUs = std::max(0.0, (profile_.delayMs + jitterDraw * profile_.jitterMs) * 1000.0);
    verdict.releaseUs = departUs + static_cast<std::int64_t>(std::llround(delayUs));
    if (!profile_.reorder) verdict.releaseUs = std::max(verdict.releaseUs, lastReleaseUs_);
    lastReleaseUs_ = verdict.releaseUs;
    ++counters_.forwarded;
    return verdict;
}

}  // namespace samspil::netlab
