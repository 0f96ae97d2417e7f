#include "samspil/core/connection_quality.h"

namespace samspil {

QualityLevel rateConnection(const QualityFigures& f) {
    if (!f.receiving) return QualityLevel::Unknown;
    // Thresholds match the line check's verdict (docs/cli.md): playing together stops
    // working somewhere past 60 ms round trip or a few percent loss.
    if (f.roundTripMs > 60 || f.jitterMs > 10 || f.lossPercent > 2 || f.bufferMs > 40) return QualityLevel::Poor;
    if (f.roundTripMs > 30 || f.jitterMs > 4 || f.lossPercent > 0.5 || f.bufferMs > 20) return QualityLevel::Fair;
    return QualityLevel::Good;
}

std::string qualityName(QualityLevel level) {
    switch (level) {
        case QualityLevel::Good: return "Good";
        case QualityLevel::Fair: return "Fair";
        case QualityLevel::Poor: return "Poor";
        case QualityLevel::Unknown: break;
    }
    return "No audio";
}

double RecentLoss::update(std::uint64_t received, std::uint64_t lost) {
    // Counters restart when a slot changes hands; start over then.
    if (received < lastReceived_ || lost < lastLost_) lastReceived_ = lastLost_ = 0;
    receivedDelta_ = received - lastReceived_;
    const std::uint64_t lostDelta = lost - lastLost_;
    lastReceived_ = received;
    lastLost_ = lost;
    const std::uint64_t expected = receivedDelta_ + lostDelta;
    const double now = expected > 0 ? 100.0 * static_cast<double>(lostDelta) / static_cast<double>(expected) : 0.0;
    smoothed_ = 0.6 * smoothed_ + 0.4 * now;  // a few seconds of memory, so a single burst shows
    return smoothed_;
}

}  // namespace samspil
