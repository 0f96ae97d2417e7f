// ClientMediaQueues: media between the audio thread and the network thread of a
// SessionClient — two preallocated SPSC queues and the counts of what went through or was
// dropped. The audio side never locks, waits or allocates; the network side parses what the
// server sent into the incoming queue and takes what the audio thread queued, coalesced
// into one WebSocket message (or hands the queue to the UDP link).
#pragma once

#include "samspil/protocol/media_packet.h"
#include "samspil/protocol/media_slot.h"
#include "samspil/rt/spsc_queue.h"

#include <atomic>
#include <cstdint>
#include <span>

namespace samspil::net {

class ClientMediaQueues {
public:
    ClientMediaQueues(std::size_t outgoingPackets, std::size_t incomingPackets)
        : outgoing_(outgoingPackets), incoming_(incomingPackets) {}

    // ---- audio thread ------------------------------------------------------------------
    /// Queues one encoded packet; false (dropped, counted) when the queue is full. True
    /// `first`: the queue was empty, so the network thread must be woken for it.
    bool pushFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                             std::span<const std::uint8_t> opusPacket, bool& first);
    /// The oldest packet from the server, if any.
    bool popOnAudioThread(MediaSlot& packet) { return incoming_.tryPop(packet); }

    // ---- network thread ----------------------------------------------------------------
    /// A media message from the server (a WebSocket frame or a datagram's body): its packets
    /// to the audio thread. False when it does not parse (nothing queued).
    bool acceptFromServer(std::span<const std::uint8_t> message, std::int64_t arrivalUs);
    /// Everything queued for sending, in one media message written into `out`, as much as
    /// fits; the first packet of a connection marked as a stream start. Returns its bytes.
    std::size_t takeForWebSocket(std::span<std::uint8_t> out, bool& firstOfConnection);
    /// Not in a room: what was queued can go nowhere (dropped, counted: never sent stale later).
    void dropOutgoing();
    bool hasOutgoing() const { return outgoing_.sizeApprox() > 0; }
    SpscQueue<MediaSlot>& outgoing() { return outgoing_; }
    /// Packets the UDP link sent from the queue.
    void countSentByUdp(std::uint64_t packets);

    // ---- any thread --------------------------------------------------------------------
    std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
    std::uint64_t sentByUdp() const { return sentUdp_.load(std::memory_order_relaxed); }
    std::uint64_t sendDropped() const { return sendDropped_.load(std::memory_order_relaxed); }
    std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
    std::uint64_t receiveDropped() const { return receiveDropped_.load(std::memory_order_relaxed); }

private:
    SpscQueue<MediaSlot> outgoing_;  // audio thread → network thread
    SpscQueue<MediaSlot> incoming_;  // network thread → audio thread
    std::atomic<std::uint64_t> sent_{0}, sentUdp_{0}, sendDropped_{0}, received_{0}, receiveDropped_{0};
};

}  // namespace samspil::net
