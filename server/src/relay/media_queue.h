// The one policy for relayed media on its way to a recipient, whichever transport carries
// it (a WebSocket connection, a UDP path): a bounded queue per recipient that drops its
// oldest packet when full; packets too old to be worth playing are dropped when their turn
// comes; everything due goes out in as few writes as fit (write coalescing); and a packet
// counts as sent — packets, bytes, relay latency — only once its write went out, or as
// dropped (send_failed) when it did not. Service thread only.
#pragma once

#include "metrics.h"
#include "relay_types.h"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace samspil::server {

/// Settings both transports share.
struct MediaSendPolicy {
    std::int64_t maxAgeUs = 200'000;  ///< older media is dropped, not sent
};

/// What one write carries, to be counted once its fate is known.
struct MediaBatch {
    std::size_t bytes = 0;
    std::vector<std::int64_t> receivedUs;  ///< per packet, for the relay latency

    std::size_t packets() const { return receivedUs.size(); }
    void clear() {
        bytes = 0;
        receivedUs.clear();
    }
};

class MediaQueue {
public:
    static constexpr std::size_t kCapacity = 256;

    /// Queues a packet; a full queue drops its oldest (the least useful one), counted.
    void push(const SharedMedia& packet, RelayMetrics& metrics);
    /// Appends the packets that are due to `out` from `used` on, as many as fit: stale ones
    /// are dropped (counted), one that does not fit stays for the next write. Each packet
    /// taken goes into `batch`. Returns the new `used`.
    std::size_t take(std::span<std::uint8_t> out, std::size_t used, std::int64_t nowUs, const MediaSendPolicy& policy,
                     MediaBatch& batch, RelayMetrics& metrics);
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    /// The oldest packet waiting (for tests).
    const SharedMedia& front() const { return ring_[head_]; }
    void clear();

private:
    std::array<SharedMedia, kCapacity> ring_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

/// A batch went out: its packets, bytes and relay latency are counted (udp: on that path too).
void noteWritten(const MediaBatch& batch, bool udp, std::int64_t nowUs, RelayMetrics& metrics);
/// A batch the socket would not take: dropped, counted.
void noteNotWritten(const MediaBatch& batch, RelayMetrics& metrics);

}  // namespace samspil::server
