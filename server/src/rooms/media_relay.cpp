#include "rooms/media_relay.h"

#include "samspil/protocol/media_packet.h"

#include <cstring>

namespace samspil::server {

using namespace samspil::protocol;

void MediaRelay::entered(const Participant& participant, std::int64_t nowUs) {
    const MediaBudget& budget = limits_.media;
    senders_[participant.id] = Sender{{}, TokenBucket(budget.packetsBurst, budget.packetsPerSecond, nowUs),
                                      TokenBucket(budget.bytesBurst, budget.bytesPerSecond, nowUs)};
}

void MediaRelay::relay(Participant& sender, std::span<const std::uint8_t> bytes, std::int64_t nowUs) {
    auto valid = validateMediaMessage(bytes, limits_.maxPacketsPerMediaMessage);
    if (!valid) {
        ++metrics_.mediaDroppedMalformed;
        return replies_.refuse(sender.id, ErrorCode::BadMedia, describe(valid.error()));
    }
    if (sender.muted) {
        metrics_.mediaDroppedMuted += *valid;  // the teacher muted them: nobody hears it
        return;
    }
    Sender& state = senders_[sender.id];
    const Room& room = directory_.roomOf(sender);
    MediaMessageReader reader(bytes);
    MediaPacketView packet;
    while (reader.next(packet)) {
        ++metrics_.mediaPacketsIn;
        metrics_.mediaBytesIn += packet.encodedBytes;
        // The budget before anything is made of the packet: a flood costs a comparison.
        if (!state.packets.take(1, nowUs) || !state.bytes.take(static_cast<double>(packet.encodedBytes), nowUs)) {
            ++metrics_.mediaDroppedOverBudget;
            continue;
        }
        const bool firstTime = state.firstTime(packet.header.sequence, packet.header.streamStart());
        if (room.members.size() < 2 && !tapped(room)) continue;  // nobody to hear it
        // One shared copy per packet, stamped with the sender's id.
        auto buffer = std::make_shared<MediaBuffer>();
        buffer->receivedUs = nowUs;
        buffer->length = static_cast<std::uint16_t>(packet.encodedBytes);
        std::memcpy(buffer->bytes, packet.payload.data() - kMediaHeaderBytes, packet.encodedBytes);
        stampStreamId({buffer->bytes, buffer->length}, sender.streamId);
        buffer->repeat = !firstTime;
        const SharedMedia shared = std::move(buffer);
        for (ConnectionId member : room.members)
            if (member != sender.id) outbox_.sendMedia(member, shared);
        for (MediaTap* tap : taps_)
            if (tap->wants(room)) tap->onRelayed(room, sender, packet.header, shared, nowUs);
    }
}

bool MediaRelay::tapped(const Room& room) const {
    for (const MediaTap* tap : taps_)
        if (tap->wants(room)) return true;
    return false;
}

bool MediaRelay::Sender::firstTime(std::uint32_t sequence, bool streamStart) {
    if (streamStart && relayed.any() && relayed.seen(relayed.widen(sequence)))
        return false;  // a second copy of a start already relayed (a media twin's, or a UDP repeat)
    if (streamStart || !relayed.any()) {
        relayed.reset();
        relayed.note(relayed.widen(sequence));
        return true;
    }
    // Older than the window: far too late to play (every jitter buffer has moved on), and
    // most likely a stalled twin's copy. Treated as a repeat: never on a WebSocket again.
    return relayed.note(relayed.widen(sequence)) == SeenWindow<1024>::Verdict::New;
}

}  // namespace samspil::server
