// The lab's line: moves IP packets between the two TUN devices, each direction through
// its own LinkImpairment, and delivers each at its release time. One thread (the thread
// that calls run(), samspil-netlab's main thread); nothing is shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <queue>
#include <vector>

#include <nlohmann/json.hpp>

#include "link_impairment.h"

namespace samspil::netlab {

class Forwarder {
public:
    /// up: client side → server side; down: the other way. Each direction's randomness
    /// comes from `seed` (and the direction), so a run repeats exactly.
    Forwarder(int clientFd, int serverFd, const LinkProfile& up, const LinkProfile& down, std::uint64_t seed);

    /// Forwards until `stop` is set or `forSeconds` (> 0) have passed.
    void run(const std::atomic<bool>& stop, double forSeconds);

    /// Per direction: packets forwarded and dropped (by cause), and how late the forwarder
    /// delivered them after their release time (its own added delay), in µs.
    nlohmann::json figures() const;

private:
    struct Direction {
        const char* name;
        int fromFd;
        int toFd;
        LinkImpairment impairment;
        bool blockUdp = false;
        std::int64_t blockUdpFromUs = 0;  // the run's time when the block starts
        std::uint64_t bytes = 0;
        std::uint64_t writeFailures = 0;
        std::uint64_t udpBlocked = 0;
        std::vector<std::int32_t> latenessUs;  // capped, see kMaxLatenessSamples
    };
    struct Due {
        std::int64_t releaseUs;
        std::uint64_t order;  // arrival order breaks ties
        Direction* direction;
        std::vector<std::uint8_t> packet;
        bool operator>(const Due& other) const {
            return releaseUs != other.releaseUs ? releaseUs > other.releaseUs : order > other.order;
        }
    };

    void readAll(Direction& direction, std::int64_t nowUs);
    void deliverDue(std::int64_t nowUs);

    std::int64_t startUs_;
    Direction up_, down_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
    std::uint64_t arrivals_ = 0;
    std::vector<std::uint8_t> readBuffer_ = std::vector<std::uint8_t>(65536);
    bool realtime_ = false;
};

/// CLOCK_MONOTONIC in µs.
std::int64_t monotonicUs();

}  // namespace samspil::netlab
