#include "client_media_queues.h"

#include <cstring>

namespace samspil::net {

using namespace samspil::protocol;

bool ClientMediaQueues::pushFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                            std::span<const std::uint8_t> opusPacket, bool& first) {
    first = false;
    if (opusPacket.empty() || opusPacket.size() > kMaxOpusPayloadBytes) return false;
    MediaSlot* slot = outgoing_.beginPush();
    if (!slot) {
        sendDropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    slot->header = MediaHeader{static_cast<std::uint8_t>(stereo ? kMediaFlagStereo : 0), 0, sequence, timestamp};
    slot->arrivalUs = 0;
    slot->length = static_cast<std::uint16_t>(opusPacket.size());
    std::memcpy(slot->payload.data(), opusPacket.data(), opusPacket.size());
    outgoing_.commitPush();
    // Only when the queue went from empty to non-empty: otherwise the network thread has
    // been woken for the packet before this one and writes everything queued when it gets
    // to it. A block that yields several packets costs one system call.
    first = outgoing_.sizeApprox() == 1;
    return true;
}

bool ClientMediaQueues::acceptFromServer(std::span<const std::uint8_t> message, std::int64_t arrivalUs) {
    if (!validateMediaMessage(message, kMaxServerMediaMessagePackets)) return false;
    MediaMessageReader reader(message);
    MediaPacketView packet;
    while (reader.next(packet)) {
        received_.fetch_add(1, std::memory_order_relaxed);
        MediaSlot* slot = incoming_.beginPush();
        if (!slot) {
            receiveDropped_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        slot->header = packet.header;
        slot->arrivalUs = arrivalUs;
        slot->length = static_cast<std::uint16_t>(packet.payload.size());
        std::memcpy(slot->payload.data(), packet.payload.data(), packet.payload.size());
        incoming_.commitPush();
    }
    return true;
}

std::size_t ClientMediaQueues::takeForWebSocket(std::span<std::uint8_t> out, bool& firstOfConnection) {
    std::size_t used = 0;
    while (const MediaSlot* slot = outgoing_.front()) {
        if (used + kMediaHeaderBytes + slot->length > out.size()) break;
        MediaHeader header = slot->header;
        if (firstOfConnection) header.flags |= kMediaFlagStreamStart;
        firstOfConnection = false;
        used += writeMediaPacket(header, slot->bytes(), out.subspan(used));
        outgoing_.commitPop();
        sent_.fetch_add(1, std::memory_order_relaxed);
    }
    return used;
}

void ClientMediaQueues::dropOutgoing() {
    MediaSlot discard;
    while (outgoing_.tryPop(discard)) sendDropped_.fetch_add(1, std::memory_order_relaxed);
}

void ClientMediaQueues::countSentByUdp(std::uint64_t packets) {
    sent_.fetch_add(packets, std::memory_order_relaxed);
    sentUdp_.fetch_add(packets, std::memory_order_relaxed);
}

}  // namespace samspil::net
