// MediaSlot: one media packet in a fixed-size box, so it can travel through a
// preallocated SpscQueue between the network thread and the audio thread.
#pragma once

#include "samspil/protocol/media_packet.h"

#include <array>
#include <cstdint>
#include <span>

namespace samspil {

struct MediaSlot {
    protocol::MediaHeader header;
    std::int64_t arrivalUs = 0;  ///< monotonic µs when the network thread received it (0 for outgoing)
    std::uint16_t length = 0;    ///< bytes of payload used
    std::array<std::uint8_t, protocol::kMaxOpusPayloadBytes> payload{};

    std::span<const std::uint8_t> bytes() const { return {payload.data(), length}; }
};

}  // namespace samspil
