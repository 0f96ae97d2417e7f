#include "rooms/uplink_watch.h"

#include "samspil/protocol/media_packet.h"

namespace samspil::server {

bool UplinkWatch::wants(const Room& room) const {
    for (ConnectionId member : room.members)
        if (const Participant* p = directory_.find(member); p && p->camera == protocol::CameraState::On) return true;
    return false;
}

void UplinkWatch::onRelayed(const Room&, const Participant& sender, const protocol::MediaHeader& header,
                            const SharedMedia& packet, std::int64_t nowUs) {
    if (packet->repeat) return;  // a second copy says nothing new of the line
    Sender& s = senders_[sender.id];
    if (!s.started || header.streamStart()) {
        s = Sender{};
        s.started = true;
        s.lastTimestamp = header.timestamp;
        s.windowStartUs = nowUs;
    }
    // Media time moves by the timestamps' difference (wrapping at 2^32 samples).
    const auto step = static_cast<std::int32_t>(header.timestamp - s.lastTimestamp);
    s.lastTimestamp = header.timestamp;
    s.mediaUs += static_cast<std::int64_t>(step) * 1'000'000 / protocol::kMediaSampleRate;
    const double latenessMs = static_cast<double>(nowUs - s.mediaUs) / 1000.0;
    s.windowMinMs = std::min(s.windowMinMs, latenessMs);
    if (latenessMs > s.windowTopMs[0]) {
        s.windowTopMs[1] = s.windowTopMs[0];
        s.windowTopMs[0] = latenessMs;
    } else if (latenessMs > s.windowTopMs[1]) {
        s.windowTopMs[1] = latenessMs;
    }
    if (nowUs - s.windowStartUs < kWindowUs) return;
    // The baseline learns from each window's least late packet; the window is judged by its
    // second-latest (one stray packet is not a queue).
    s.baseline.excess(s.windowMinMs, nowUs);
    s.queueMs = s.windowTopMs[1] > -1e299 ? s.baseline.excess(s.windowTopMs[1], nowUs) : 0;
    s.windowMinMs = 1e300;
    s.windowTopMs[0] = s.windowTopMs[1] = -1e300;
    s.windowStartUs = nowUs;
    if (s.queueMs >= kAlertMs && nowUs - s.alertedUs >= 250'000) {
        s.alertedUs = nowUs;
        alert_(sender.id, s.queueMs);
    }
}

double UplinkWatch::queueMs(ConnectionId sender) const {
    const auto it = senders_.find(sender);
    return it == senders_.end() ? 0 : it->second.queueMs;
}

}  // namespace samspil::server
