#include "relay/media_queue.h"

#include <cstring>

namespace samspil::server {

void MediaQueue::push(const SharedMedia& packet, RelayMetrics& metrics) {
    if (count_ == kCapacity) {
        ring_[head_].reset();
        head_ = (head_ + 1) % kCapacity;
        --count_;
        ++metrics.mediaDroppedQueueFull;
    }
    ring_[(head_ + count_) % kCapacity] = packet;
    ++count_;
}

std::size_t MediaQueue::take(std::span<std::uint8_t> out, std::size_t used, std::int64_t nowUs,
                             const MediaSendPolicy& policy, MediaBatch& batch, RelayMetrics& metrics) {
    while (count_ > 0) {
        SharedMedia& slot = ring_[head_];
        if (nowUs - slot->receivedUs > policy.maxAgeUs) {
            ++metrics.mediaDroppedStale;
        } else if (used + slot->length > out.size()) {
            break;
        } else {
            std::memcpy(out.data() + used, slot->bytes, slot->length);
            used += slot->length;
            batch.bytes += slot->length;
            batch.receivedUs.push_back(slot->receivedUs);
        }
        slot.reset();
        head_ = (head_ + 1) % kCapacity;
        --count_;
    }
    return used;
}

void MediaQueue::clear() {
    for (auto& packet : ring_) packet.reset();
    head_ = count_ = 0;
}

void noteWritten(const MediaBatch& batch, bool udp, std::int64_t nowUs, RelayMetrics& metrics) {
    metrics.mediaPacketsOut += batch.packets();
    metrics.mediaBytesOut += batch.bytes;
    if (udp) metrics.udpMediaPacketsOut += batch.packets();
    for (const std::int64_t receivedUs : batch.receivedUs)
        metrics.relayLatency.observe(static_cast<double>(nowUs - receivedUs) / 1e6);
}

void noteNotWritten(const MediaBatch& batch, RelayMetrics& metrics) {
    metrics.mediaDroppedSendFailed += batch.packets();
}

}  // namespace samspil::server
