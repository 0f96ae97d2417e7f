#include "daw_grid.h"

#include <cmath>

namespace samspil::plugin {

namespace {
constexpr double kLongestIntervalS = 20.0;  // what the server allows for interval mode
}

std::optional<protocol::MetronomeSet> metronomeToFollowDaw(const DawTempo& daw, std::optional<std::int64_t> dawBarLineServerUs,
                                                           const std::optional<protocol::RoomMetronome>& room) {
    const double gridBpm = daw.quarterBpm * daw.denominator / 4.0;
    if (!(gridBpm >= 20.0 && gridBpm <= 400.0) || daw.numerator < 1 || daw.numerator > 16) return std::nullopt;
    const bool running = room && room->running;
    const bool sameShape = running && std::fabs(room->bpm - gridBpm) < 0.01 && room->beatsPerBar == daw.numerator;

    protocol::MetronomeSet set{true, gridBpm, daw.numerator, running ? room->accent : true, running ? room->intervalBars : 0};
    const double barUs = 60e6 / gridBpm * daw.numerator;
    // Interval mode keeps going if the new bar still fits it; else as many bars as fit.
    if (set.intervalBars * barUs > kLongestIntervalS * 1e6) set.intervalBars = static_cast<int>(kLongestIntervalS * 1e6 / barUs);

    if (!dawBarLineServerUs) {
        if (!running || sameShape) return std::nullopt;
        return set;
    }
    if (sameShape && sameBarLines(*dawBarLineServerUs, room->startServerUs, barUs, kDawBarToleranceUs)) return std::nullopt;
    set.barServerUs = dawBarLineServerUs;
    return set;
}

bool sameBarLines(std::int64_t a, std::int64_t b, double barUs, std::int64_t toleranceUs) {
    double apart = std::fmod(static_cast<double>(a - b), barUs);  // in (−bar, bar)
    if (apart > barUs / 2) apart -= barUs;
    if (apart <= -barUs / 2) apart += barUs;
    return std::fabs(apart) <= static_cast<double>(toleranceUs);
}

std::optional<protocol::MetronomeSet> DawGridFollower::next(const DawTempo& daw, std::optional<std::int64_t> dawBarLineServerUs,
                                                            const std::optional<protocol::RoomMetronome>& room,
                                                            std::int64_t nowUs) {
    auto set = metronomeToFollowDaw(daw, dawBarLineServerUs, room);
    if (!set) {
        candidateBarUs_.reset();
        return std::nullopt;
    }
    if (set->barServerUs) {
        const double barUs = 60e6 / set->bpm * set->beatsPerBar;
        if (!candidateBarUs_ || !sameBarLines(*candidateBarUs_, *set->barServerUs, barUs, kDawBarToleranceUs)) {
            candidateBarUs_ = set->barServerUs;
            candidateSinceUs_ = nowUs;
        }
        if (nowUs - candidateSinceUs_ < kSteadyUs) return std::nullopt;
    }
    if (nowUs - sentAtUs_ < kMinGapUs) return std::nullopt;
    sentAtUs_ = nowUs;
    candidateBarUs_.reset();
    return set;
}

}  // namespace samspil::plugin
