// What one direction of a line does to each packet: scripted outage, random and bursty
// (Gilbert–Elliott) loss, a rate limit with a queue (bufferbloat), one-way delay and
// jitter. Pure and deterministic: time is passed in and the randomness comes from a seed,
// so a run can be repeated exactly. Used by the forwarder's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace samspil::netlab {

/// One direction's impairment. Zero everywhere is a perfect line.
struct LinkProfile {
    double delayMs = 0;             // one-way delay
    double jitterMs = 0;            // each packet's delay varies uniformly by ± this
    bool reorder = false;           // whether jitter may let a packet overtake an earlier one
    double lossRate = 0;            // independent random loss, 0..1
    double burstLossRate = 0;       // long-run loss of the Gilbert–Elliott chain, 0..1 (0: off)
    double burstLengthPackets = 3;  // mean number of packets one burst loses
    double rateKbps = 0;            // bottleneck rate (0: unlimited)
    double upRateKbps = 0;          // the client-to-server rate where it differs (a home line's upload; 0: the same)
    double queueMs = 100;           // the bottleneck's queue, as time at that rate; fuller drops …
    double queueBytes = 0;          // … or as bytes, when set (a DSL modem's 64 KB buffer)
    double rateDropAtS = -1;        // from this second of the run the bottleneck carries only …
    double rateDropForS = 0;        // … for this long …
    double rateDropKbps = 0;        // … this rate (a line that weakens, then comes back)
    double outageAtS = -1;          // everything is dropped from this second of the run …
    double outageForS = 0;          // … for this long (negative start: no outage)
    bool blockUdp = false;          // a firewall that lets no UDP through (the forwarder applies it) …
    double blockUdpFromS = 0;       // … from this second of the run on (a path that worked, then broke)
};

enum class Fate { Forward, Outage, RandomLoss, BurstLoss, QueueFull };

class LinkImpairment {
public:
    /// startUs: the run's time zero (the outage is scripted from it).
    LinkImpairment(const LinkProfile& profile, std::uint64_t seed, std::int64_t startUs);

    struct Verdict {
        Fate fate = Fate::Forward;
        std::int64_t releaseUs = 0;  // when to deliver it (Forward only)
    };
    /// A packet of `bytes` arrived at `arrivalUs` (non-decreasing between calls).
    Verdict admit(std::int64_t arrivalUs, std::size_t bytes);

    struct Counters {
        std::uint64_t forwarded = 0, outage = 0, randomLoss = 0, burstLoss = 0, queueFull = 0;
    };
    const Counters& counters() const { return counters_; }

private:
    bool inOutage(std::int64_t arrivalUs) const;
    double rateAt(std::int64_t arrivalUs) const;
    bool burstLoses();

    LinkProfile profile_;
    std::int64_t startUs_;
    std::mt19937_64 random_;
    std::uniform_real_distribution<double> unit_{0.0, 1.0};
    bool badState_ = false;          // Gilbert–Elliott: in a loss burst
    std::int64_t bottleneckFreeUs_ = 0;  // when the rate limiter has sent all it holds
    std::int64_t lastReleaseUs_ = 0;     // keeps order when reordering is off
    Counters counters_;
};

}  // namespace samspil::netlab
