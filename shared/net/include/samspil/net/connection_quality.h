// The quality light on each participant's strip: green, amber or red from what the
// listener's side can see — round trip to the server, the stream's jitter, recent loss and
// how much the jitter buffer has to hold back. Message thread; plain arithmetic.
#pragma once

#include <cstdint>
#include <string>

namespace samspil {

enum class QualityLevel { Unknown, Good, Fair, Poor };

struct QualityFigures {
    double roundTripMs = -1;   ///< to the server; < 0 unknown
    double jitterMs = 0;       ///< the stream's arrival jitter
    double lossPercent = 0;    ///< over the last few seconds
    double bufferMs = 0;       ///< what the jitter buffer adds
    bool receiving = false;    ///< packets arrived in the last second
};

/// The one rule for how good a line is, used by the quality light, the line check and the
/// audio setup page: playing together stops working somewhere past 60 ms round trip,
/// 10 ms jitter or a few percent loss (docs/cli.md, "Line check").
struct LineThresholds {
    static constexpr double kPoorRoundTripMs = 60, kFairRoundTripMs = 30;
    static constexpr double kPoorJitterMs = 10, kFairJitterMs = 4;
    static constexpr double kPoorLossPercent = 2, kFairLossPercent = 0.5;
    static constexpr double kPoorBufferMs = 40, kFairBufferMs = 20;  ///< jitter buffer (light only)
};

/// Good, Fair or Poor from round trip, jitter and loss alone (the line check).
QualityLevel rateLine(double roundTripMs, double jitterMs, double lossPercent);

/// The quality light: rateLine plus what the jitter buffer holds back; Unknown when silent.
QualityLevel rateConnection(const QualityFigures& figures);

/// "Good", "Fair", "Poor", "No audio".
std::string qualityName(QualityLevel level);

/// Loss over a sliding window, from the ever-growing received/lost counters.
class RecentLoss {
public:
    /// Call about once a second; returns the loss since the previous call, in percent.
    double update(std::uint64_t received, std::uint64_t lost);
    bool receivedSinceLastUpdate() const { return receivedDelta_ > 0; }

private:
    std::uint64_t lastReceived_ = 0;
    std::uint64_t lastLost_ = 0;
    std::uint64_t receivedDelta_ = 0;
    double smoothed_ = 0;
};

}  // namespace samspil
