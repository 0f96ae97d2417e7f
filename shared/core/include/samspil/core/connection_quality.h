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
