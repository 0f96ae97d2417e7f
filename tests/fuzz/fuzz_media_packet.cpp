// libFuzzer harness: the media-packet parser and the coalesced media-message reader.
// Whatever they accept stays inside the input and writes back to the same bytes.
#include "samspil/protocol/media_packet.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

using namespace samspil::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    if (auto packet = parseMediaPacket(bytes)) {
        if (packet->payload.data() < data || packet->payload.data() + packet->payload.size() > data + size) std::abort();
        std::vector<std::uint8_t> out(kMediaHeaderBytes + packet->payload.size());
        const std::size_t written = writeMediaPacket(packet->header, packet->payload, out);
        if (written > size || !std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(written), data)) std::abort();
    }
    if (validateMediaMessage(bytes, 64)) {
        MediaMessageReader reader(bytes);
        MediaPacketView packet;
        std::size_t total = 0;
        while (reader.next(packet)) total += kMediaHeaderBytes + packet.payload.size();
        if (total > size) std::abort();
    }
    return 0;
}
