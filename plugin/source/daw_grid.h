// The DAW as the room's metronome source: what to tell the server so that the room's grid
// has the DAW's tempo and bar and its bar lines fall on the DAW's (docs/plugin.md). Plain
// C++ on the message thread, so it is easy to test.
#pragma once

#include "samspil/protocol/control_message.h"

#include <cstdint>
#include <optional>

namespace samspil::plugin {

/// The DAW's tempo and bars as the room's grid counts them: one grid beat per note of the
/// time signature's denominator (6/8 at 120 quarter notes a minute is 240 eighths a minute).
struct DawTempo {
    double quarterBpm = 120.0;
    int numerator = 4;
    int denominator = 4;
};

/// How far apart the DAW's and the room's bar lines may drift before the room is re-anchored.
inline constexpr std::int64_t kDawBarToleranceUs = 1000;

/// Whether two bar lines fall on the same grid of bars (within toleranceUs).
bool sameBarLines(std::int64_t a, std::int64_t b, double barUs, std::int64_t toleranceUs);

/// The metronome message that makes the room follow the DAW, or nothing when it already does
/// (or the DAW's tempo is one the room cannot have). dawBarLineServerUs: one of the DAW's bar
/// lines on the server's clock while it plays; without it (stopped) only a running grid's
/// tempo and bar follow the DAW, and a stopped grid stays stopped.
std::optional<protocol::MetronomeSet> metronomeToFollowDaw(const DawTempo& daw, std::optional<std::int64_t> dawBarLineServerUs,
                                                           const std::optional<protocol::RoomMetronome>& room);

/// The same, looked at a few times a second: a new bar line is passed on only once the DAW
/// has shown it for kSteadyUs (right after a host's xrun the plugin's stream clock is off by
/// a period until it is re-estimated, and the room should not follow that), and at most
/// once per kMinGapUs (the grid needs a round trip to come back). Message thread.
class DawGridFollower {
public:
    static constexpr std::int64_t kSteadyUs = 1'000'000;
    static constexpr std::int64_t kMinGapUs = 1'000'000;

    std::optional<protocol::MetronomeSet> next(const DawTempo& daw, std::optional<std::int64_t> dawBarLineServerUs,
                                               const std::optional<protocol::RoomMetronome>& room, std::int64_t nowUs);

private:
    std::optional<std::int64_t> candidateBarUs_;  // the bar line the DAW has shown since candidateSinceUs_
    std::int64_t candidateSinceUs_ = 0;
    std::int64_t sentAtUs_ = INT64_MIN / 2;
};

}  // namespace samspil::plugin
