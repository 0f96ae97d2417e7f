// StalePacketRule: tells a stall's backlog from the stream's own pace, for the jitter buffer.
// A packet whose transit (arrival minus media time) is over staleAfterUs above the least
// transit of the last 1–2 s was held up by a stall (an outage, TCP's retransmission backoff,
// a full socket buffer): its moment has passed, and playing it would put the stream seconds
// behind. A backlog drains: its packets get younger as they come in faster than real time.
// Late packets that stop getting younger for a second are no backlog but the stream's new
// pace (a longer route, a sender whose sound card runs slower than our clock), and the rule
// starts again from them instead of dropping the stream for good.
// No allocation, no locks: runs on the audio thread (the JitterBuffer's owner's thread).
#pragma once

#include <array>
#include <cstdint>

namespace samspil {

class StalePacketRule {
public:
    explicit StalePacketRule(std::int64_t staleAfterUs) : staleAfterUs_(staleAfterUs) {}

    /// Forgets everything (a new stream).
    void reset();

    /// One packet arrived at arrivalUs with this transit; true: drop it unplayed.
    bool isStale(std::int64_t transitUs, std::int64_t arrivalUs);

private:
    std::int64_t staleAfterUs_;
    // The least transit of the previous and the current second of packets let in.
    std::array<std::int64_t, 2> floorUs_{};
    std::int64_t floorSinceUs_ = 0;
    bool haveFloor_ = false;
    // The current run of stale packets: when it (or its last second) began, and how late.
    bool inRun_ = false;
    std::int64_t runSinceUs_ = 0;
    std::int64_t runTransitUs_ = 0;
};

}  // namespace samspil
