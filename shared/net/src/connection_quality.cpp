#include "samspil/net/connection_quality.h"

namespace samspil {

QualityLevel rateLine(double roundTripMs, double jitterMs, double lossPercent) {
    using T = LineThresholds;
    if (roundTripMs > T::kPoorRoundTripMs || jitterMs > T::kPoorJitterMs || lossPercent > T::kPoorLossPercent)
        return QualityLevel::Poor;
    if (roundTripMs > T::kFairRoundTripMs || jitterMs > T::kFairJitterMs || lossPercent > T::kFairLossPercent)
        return QualityLevel::Fair;
    return QualityLevel::Good;
}

QualityLevel rateConnection(const QualityFigures& f) {
    if (!f.receiving) return QualityLevel::Unknown;
    const QualityLevel line = rateLine(f.roundTripMs, f.jitterMs, f.lossPercent);
    if (line == QualityLevel::Poor || f.bufferMs > LineThresholds::kPoorBufferMs) return QualityLevel::Poor;
    if (line == QualityLevel::Fair || f.bufferMs > LineThresholds::kFairBufferMs) return QualityLevel::Fair;
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
