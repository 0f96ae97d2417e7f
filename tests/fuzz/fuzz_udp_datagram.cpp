// libFuzzer harness: the UDP path's datagram reader (what the server reads from anyone on
// the internet). Arbitrary bytes never open under a key they were not sealed with; any
// body sealed and opened again comes back unchanged; the replay window never lets a
// counter in twice.
#include "samspil/udp/udp_datagram.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

using namespace samspil::udp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Key key = freshKey();
    static ReplayWindow window;
    const std::span<const std::uint8_t> bytes(data, size);
    std::vector<std::uint8_t> out(std::max<std::size_t>(size, kMaxDatagramBytes));
    if (const auto header = peekHeader(bytes)) {
        if (open(key, Direction::ClientToServer, bytes, out)) std::abort();  // forged under a secret key
    }
    // Round trip: the input as a body, under counters taken from it.
    if (size <= kMaxBodyBytes) {
        Header header{Kind::Media, size > 4 ? static_cast<std::uint32_t>(data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]) : 0,
                      size > 6 ? static_cast<std::uint64_t>(data[4] << 8 | data[5]) : 0};
        const auto length = seal(key, Direction::ServerToClient, header, bytes, out);
        if (!length) std::abort();
        std::vector<std::uint8_t> plain(*length);
        const auto opened = open(key, Direction::ServerToClient, std::span(out.data(), *length), plain);
        if (!opened || opened->bodyBytes != size || !std::equal(bytes.begin(), bytes.end(), plain.begin())) std::abort();
        const bool first = window.accept(header.counter);
        if (first && window.accept(header.counter)) std::abort();  // a counter never gets in twice
    }
    return 0;
}
