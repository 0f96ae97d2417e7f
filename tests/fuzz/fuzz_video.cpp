// libFuzzer harness: the video frame header and the UDP path's fragments. A frame the parser
// accepts writes back to the same bytes and cuts into fragments that put it together again;
// any bytes fed to the reassembler as fragments never give more than a whole frame's worth.
#include "samspil/protocol/video_fragments.h"
#include "samspil/protocol/video_frame.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

using namespace samspil::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    if (const auto frame = parseVideoFrame(bytes)) {
        std::vector<std::uint8_t> out(size);
        if (writeVideoFrame(frame->header, frame->payload, out) != size) std::abort();
        // Bytes 10–11 are reserved (written as 0): the rest must match.
        for (std::size_t i = 0; i < size; ++i)
            if (i != 10 && i != 11 && out[i] != data[i]) std::abort();
        // Cut (pieces chosen by the input) and put together again, in reverse order.
        std::vector<std::vector<std::uint8_t>> fragments;
        const std::size_t piece = 16 + data[size - 1] * 8u;
        fragmentVideoFrame(out, 7, [&](std::span<const std::uint8_t> f) { fragments.emplace_back(f.begin(), f.end()); }, piece);
        if (fragments.empty() || fragments.size() > kMaxVideoFragments) std::abort();
        VideoReassembler reassembler;
        std::optional<std::vector<std::uint8_t>> whole;
        for (auto it = fragments.rbegin(); it != fragments.rend(); ++it)
            if (const auto done = reassembler.add(*it)) whole.emplace(done->begin(), done->end());
        if (!whole || *whole != out) std::abort();
    }
    // The input as fragments: a length byte, then that many bytes, again and again.
    VideoReassembler reassembler;
    for (std::size_t at = 0; at < size;) {
        const std::size_t length = std::min<std::size_t>(data[at] * 8u, size - at - 1);
        const auto fragment = bytes.subspan(at + 1, length);
        if (const auto done = reassembler.add(fragment); done && done->size() > kMaxVideoFragments * kVideoFragmentPieceBytes)
            std::abort();
        at += 1 + length;
    }
    return 0;
}
