// ClockSync: estimates the offset from this host's monotonic clock to the server's
// from ping/pong round trips (NTP's idea: trust the quickest round trips, least disturbed
// by queueing; here the median of the quickest few).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace samspil {

class ClockSync {
public:
    /// Adds one round trip: sent at clientSendUs, server stamped serverUs, answer read at clientReceiveUs.
    void addSample(std::int64_t clientSendUs, std::int64_t serverUs, std::int64_t clientReceiveUs);

    /// serverClock - localClock, from the quickest recent samples; nullopt before the first sample.
    std::optional<std::int64_t> offsetUs() const;

    /// Round trip of the best recent sample.
    std::optional<std::int64_t> bestRoundTripUs() const;

    /// Round trip of the most recent sample.
    std::optional<std::int64_t> lastRoundTripUs() const;

    /// Converts a server-clock time to this host's clock (requires a sample).
    std::int64_t toLocal(std::int64_t serverUs) const { return serverUs - offsetUs().value_or(0); }
    /// Converts a local time to the server clock (requires a sample).
    std::int64_t toServer(std::int64_t localUs) const { return localUs + offsetUs().value_or(0); }

private:
    struct Sample {
        std::int64_t roundTripUs = 0;
        std::int64_t offsetUs = 0;
    };
    static constexpr std::size_t kWindow = 32;  // samples considered (16 s at two pings a second)
    static constexpr std::size_t kMedianOf = 7;  // the quickest trips whose median offset is taken
    std::array<Sample, kWindow> samples_{};
    std::size_t count_ = 0;
    std::size_t next_ = 0;
};

}  // namespace samspil
