// JitterBuffer: per remote stream, turns packets that arrive early, late, twice, out of
// order or never into one decision per playout frame. It keeps the playout delay just
// above what the recent arrival jitter needs (DelayEstimator): growing by a frame when
// packets would come too close to their turn, shrinking by a frame when it holds more
// than needed. Pure logic (times are passed in), preallocated, no locks: audio thread.
#pragma once

#include "samspil/audio/delay_estimator.h"
#include "samspil/protocol/media_packet.h"
#include "samspil/audio/stale_packet_rule.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace samspil {

/// Tuning of a JitterBuffer. The defaults suit lessons on a school network.
struct JitterBufferSettings {
    int capacity = 256;                        ///< packets held at most (rounded up to a power of two)
    std::int64_t safetyMarginUs = 500;         ///< slack kept above the largest recent delay
    std::int64_t shrinkIntervalUs = 500'000;   ///< the delay must stay high this long before a frame is given back
    int maxStretchFrames = 3;                  ///< frames to wait for a missing packet before skipping it
    std::int64_t idleResetUs = 300'000;        ///< no packet this long and empty: stop, re-prime on the next
    std::int64_t maxConcealUs = 40'000;        ///< conceal an empty buffer this long at most, then go quiet
                                               ///< (a sender muted, left or the line broke: PLC would drone)
    std::int64_t staleAfterUs = 600'000;       ///< a packet this much slower than the fastest of the last
                                               ///< 1–2 s is a stall's backlog: dropped, never played
    DelayEstimatorSettings estimator;
};

/// Counters and gauges of one stream, for stats and the quality light.
struct JitterBufferStats {
    std::uint64_t received = 0;        ///< packets accepted into the buffer
    std::uint64_t duplicates = 0;      ///< packets seen before (dropped)
    std::uint64_t late = 0;            ///< packets that arrived after their turn (dropped)
    std::uint64_t lost = 0;            ///< packets never received (RFC 3550: expected minus received, late included)
    std::uint64_t concealedFec = 0;    ///< frames rebuilt from the next packet's FEC
    std::uint64_t concealedPlc = 0;    ///< frames filled by packet loss concealment
    std::uint64_t underruns = 0;       ///< playout found the buffer empty
    std::uint64_t grownFrames = 0;     ///< frames inserted to raise the delay (jitter grew)
    std::uint64_t droppedToCatchUp = 0;///< packets skipped because the buffer held more than needed
    std::uint64_t resets = 0;          ///< stream restarts and jumps
    std::uint64_t stale = 0;           ///< packets dropped unplayed: over staleAfterUs slower than the fastest lately
    int depthPackets = 0;              ///< packets queued now
    int maxDepthPackets = 0;           ///< most packets queued at once
    double targetDelayMs = 0;          ///< the delay the buffer aims for now (above the fastest arrival)
    double bufferDelayMs = 0;          ///< recent mean time a packet waits before playout (the added latency)
    double meanBufferDelayMs = 0;      ///< the same, averaged over the whole stream
    double jitterMs = 0;               ///< RFC 3550 interarrival jitter estimate

    std::uint64_t concealed() const { return concealedFec + concealedPlc; }
};

/// What to play next.
enum class PlayoutKind {
    Silence,          ///< nothing to play (not started, or idle)
    Packet,           ///< decode payload
    ConcealFromNext,  ///< lost: rebuild `samples` from payload, the packet after it (FEC)
    Conceal,          ///< lost, late or growing the delay: run PLC for `samples`
};

/// One playout decision. payload stays valid until the next call to insert().
struct PlayoutDecision {
    PlayoutKind kind = PlayoutKind::Silence;
    std::span<const std::uint8_t> payload;
    std::uint32_t timestamp = 0;  ///< media timestamp of the frame being played
    int samples = 0;              ///< samples this decision covers (per channel)
    bool restart = false;         ///< the decoder should reset before this packet
};

/// Adaptive jitter buffer. All methods run on the audio thread only.
class JitterBuffer {
public:
    explicit JitterBuffer(const JitterBufferSettings& settings = {});

    /// Files a packet that arrived at arrivalUs (monotonic µs). payload is copied.
    void insert(const protocol::MediaHeader& header, std::span<const std::uint8_t> payload, std::int64_t arrivalUs);

    /// Decides what plays for the next frame, at nowUs (monotonic µs).
    PlayoutDecision next(std::int64_t nowUs);

    /// Forgets everything (the stream went away).
    void clear();

    const JitterBufferStats& stats() const { return stats_; }

private:
    struct Slot {
        bool used = false;
        std::uint32_t sequence = 0;
        std::uint32_t timestamp = 0;
        int samples = 0;
        bool restart = false;
        std::int64_t arrivalUs = 0;
        std::uint16_t length = 0;
        std::uint8_t data[protocol::kMaxOpusPayloadBytes];
    };

    Slot* find(std::uint32_t sequence);
    void release(Slot& slot);
    void resetTo(std::uint32_t sequence, std::uint32_t timestamp);
    bool primeFromLowestQueued();
    void skipBacklogAtPrime(std::int64_t nowUs);
    void skipStaleBacklog(std::int64_t nowUs, std::int64_t landUs);
    bool pausesAreRare(std::int64_t nowUs) const;
    std::int64_t mediaMicros(std::uint32_t timestamp) const;
    bool isStale(std::uint32_t timestamp, std::int64_t arrivalUs);
    void noteArrival(const protocol::MediaHeader& header, std::int64_t arrivalUs);
    void noteUniqueArrival(std::uint32_t sequence);
    void notePlayedWait(std::int64_t waitUs);
    void rememberPassed(bool concealed);
    void skipAsConcealed(int count);
    PlayoutDecision concealCurrent(bool advance);
    PlayoutDecision play(Slot& slot, std::int64_t nowUs);
    void noteAdjusted(std::int64_t nowUs);

    JitterBufferSettings settings_;
    std::vector<Slot> slots_;
    std::uint32_t mask_ = 0;
    int queued_ = 0;

    bool started_ = false;           // nextSequence_ is meaningful
    bool playing_ = false;           // frames are being handed out
    bool playedSincePrime_ = false;
    std::uint32_t nextSequence_ = 0;
    std::uint32_t nextTimestamp_ = 0;
    std::uint32_t timestampBase_ = 0;  // media time 0 of this stream, for unwrapping
    int frameSamples_ = 240;         // duration of the most recent packet
    int stretchCredit_ = 0;          // frames already concealed while waiting for nextSequence_
    std::int64_t emptyConcealedUs_ = 0;  // concealed in a row with nothing queued
    std::int64_t primedAtUs_ = 0;        // when playout last (re)started
    std::array<std::int64_t, 3> arrivalGapsUs_{};  // when the last three pauses in arrivals ended
    std::size_t arrivalGapCount_ = 0;
    bool pendingRestart_ = false;
    std::uint64_t passedHistory_ = 0;  // bit i: sequence nextSequence_-1-i was concealed
    std::uint64_t passedKnown_ = 0;    // bit i: that sequence's fate is recorded
    std::int64_t windowStartUs_ = 0;        // start of the current shrink window
    std::int64_t minDelayInWindowUs_ = 0;   // tightest packet in it (µs after its earliest arrival)
    bool haveMinDelay_ = false;

    DelayEstimator estimator_;

    // RFC 3550 loss accounting: expected (highest - first + 1) minus unique arrivals.
    std::int64_t firstExtended_ = 0;
    std::int64_t highestExtended_ = 0;
    std::uint64_t uniqueArrivals_ = 0;
    std::uint64_t lostBeforeReset_ = 0;
    bool haveExtended_ = false;

    StalePacketRule staleRule_{settings_.staleAfterUs};

    std::int64_t lastArrivalUs_ = 0;
    bool haveTransit_ = false;
    std::int64_t lastTransitUs_ = 0;
    double jitterUs_ = 0;
    double waitSumMs_ = 0;
    std::uint64_t waitCount_ = 0;

    JitterBufferStats stats_;
};

}  // namespace samspil
