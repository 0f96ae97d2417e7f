#include "samspil/audio/stale_packet_rule.h"

#include <algorithm>

namespace samspil {

namespace {
constexpr std::int64_t kFloorBucketUs = 1'000'000;
// A run of stale packets is looked at after a second: a backlog draining at even 1.25×
// real time has got 250 ms younger by then; anything less is the stream's own pace.
constexpr std::int64_t kRunCheckUs = 1'000'000;
constexpr std::int64_t kDrainingUs = 250'000;
}  // namespace

void StalePacketRule::reset() {
    haveFloor_ = false;
    inRun_ = false;
}

bool StalePacketRule::isStale(std::int64_t transitUs, std::int64_t arrivalUs) {
    if (haveFloor_ && transitUs - std::min(floorUs_[0], floorUs_[1]) > staleAfterUs_) {
        if (!inRun_ || arrivalUs - runSinceUs_ < kRunCheckUs) {
            if (!inRun_) runSinceUs_ = arrivalUs, runTransitUs_ = transitUs;
            inRun_ = true;
            return true;
        }
        if (runTransitUs_ - transitUs >= kDrainingUs) {  // still draining: look again in a second
            runSinceUs_ = arrivalUs;
            runTransitUs_ = transitUs;
            return true;
        }
        haveFloor_ = false;  // the stream's new pace: start again from this packet
    }
    inRun_ = false;
    if (!haveFloor_) {
        floorUs_ = {transitUs, transitUs};
        floorSinceUs_ = arrivalUs;
        haveFloor_ = true;
    } else if (arrivalUs - floorSinceUs_ >= kFloorBucketUs) {
        floorUs_ = {floorUs_[1], transitUs};
        floorSinceUs_ = arrivalUs;
    } else {
        floorUs_[1] = std::min(floorUs_[1], transitUs);
    }
    return false;
}

}  // namespace samspil
