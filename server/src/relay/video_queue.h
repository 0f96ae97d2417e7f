// VideoQueue: the video on its way to one receiver over a WebSocket. Video is the first
// thing to give way: frames older than kMaxAgeUs, or beyond kMaxBytes queued, are dropped;
// a dropped frame breaks the frames after it, so its stream's and layer's later frames are
// dropped too until a keyframe comes — and once the queue has caught up (empty again), each
// broken stream and layer is reported as recovered, so the server asks its sender for a
// keyframe. Audio never waits for it: video has a connection of its own. Service thread.
#pragma once

#include "metrics.h"
#include "relay_types.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <utility>

namespace samspil::server {

class VideoQueue {
public:
    static constexpr std::int64_t kMaxAgeUs = 400'000;
    static constexpr std::size_t kMaxBytes = 1024 * 1024;

    using Key = std::pair<std::uint16_t, protocol::VideoLayer>;  // sender stream, layer
    /// A broken stream's frames stopped being dropped: its sender owes a keyframe.
    using Recovered = std::function<void(std::uint16_t senderStream, protocol::VideoLayer layer)>;
    /// Frames dropped toward this receiver, by sender stream.
    using Dropped = std::function<void(std::uint16_t senderStream, std::uint32_t frames)>;

    /// Queues a frame (or drops it, counted); older frames go first when it does not fit.
    void push(const SharedVideo& frame, std::int64_t nowUs, RelayMetrics& metrics, const Dropped& dropped);
    /// The next frame fresh enough to write (stale ones dropped), or null when none waits.
    /// When the queue empties after drops, `recovered` hears of each broken stream.
    SharedVideo take(std::int64_t nowUs, RelayMetrics& metrics, const Dropped& dropped, const Recovered& recovered);
    bool empty() const { return frames_.empty(); }
    std::size_t bytes() const { return bytes_; }
    void clear();

private:
    void drop(std::deque<SharedVideo>::iterator at, const char* why, RelayMetrics& metrics, const Dropped& dropped);
    void breakStream(const Key& key, RelayMetrics& metrics, const Dropped& dropped);

    std::deque<SharedVideo> frames_;
    std::size_t bytes_ = 0;
    std::set<Key> broken_;        // awaiting a keyframe: their frames are dropped
    std::set<Key> owedKeyframe_;  // broken since the queue last caught up
};

}  // namespace samspil::server
