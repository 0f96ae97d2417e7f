// UplinkWatch: how late each sender's audio arrives compared with its own line's delay — a
// queue filling in the sender's upload (a home line's modem holding a second of video) shows
// here before anything is lost, packet by packet. Arrival time minus media time (the stream's
// own clock) has a constant part (the line, the clocks' offset) and a part that grows with the
// queue; the lowest of the last 30 s is the constant part. Each quarter second's second-latest
// packet counts: a video frame that holds the audio back for 30 ms every few frames hurts the
// listener's jitter buffer as much as a queue that stays. Watches only rooms where a camera
// is on (video is what fills an upload), and tells the video relay at once when a sender's
// queue passes kAlertMs. A MediaTap; service thread only.
#pragma once

#include "rooms/media_relay.h"
#include "samspil/base/recent_minimum.h"

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace samspil::server {

class UplinkWatch : public MediaTap {
public:
    static constexpr double kAlertMs = 25;  // the senders' kUplinkStrainMs
    static constexpr std::int64_t kWindowUs = 250'000;

    /// alert(sender, ms): a sender's upload is queueing (at most every 250 ms each).
    explicit UplinkWatch(RoomDirectory& directory, std::function<void(ConnectionId, double)> alert)
        : directory_(directory), alert_(std::move(alert)) {}

    bool wants(const Room& room) const override;
    void onRelayed(const Room& room, const Participant& sender, const protocol::MediaHeader& header,
                   const SharedMedia& packet, std::int64_t nowUs) override;
    /// The sender's upload queue now (ms above its line's own delay); 0 if unknown.
    double queueMs(ConnectionId sender) const;
    void left(ConnectionId id) { senders_.erase(id); }

private:
    struct Sender {
        bool started = false;
        std::uint32_t lastTimestamp = 0;
        std::int64_t mediaUs = 0;        // media time, unwrapped, in µs
        std::int64_t windowStartUs = 0;
        double windowMinMs = 1e300;      // the lowest lateness of the window under way (the baseline's)
        double windowTopMs[2] = {-1e300, -1e300};  // its two latest (the second is the window's figure)
        RecentMinimum baseline;
        double queueMs = 0;              // the last whole window's, above the baseline
        std::int64_t alertedUs = 0;
    };

    RoomDirectory& directory_;
    std::function<void(ConnectionId, double)> alert_;
    std::unordered_map<ConnectionId, Sender> senders_;
};

}  // namespace samspil::server
