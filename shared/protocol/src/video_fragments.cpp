#include "samspil/protocol/video_fragments.h"

#include <algorithm>
#include <cstring>

namespace samspil::protocol {
namespace {

// Layout (big-endian): 0-1 stream id, 2 layer, 3 piece size / 16, 4-5 index, 6-7 count,
// 8-11 frame number; then the piece.
void writeHeader(std::uint8_t* p, const VideoFragmentHeader& h) {
    p[0] = static_cast<std::uint8_t>(h.streamId >> 8);
    p[1] = static_cast<std::uint8_t>(h.streamId);
    p[2] = static_cast<std::uint8_t>(h.layer);
    p[3] = static_cast<std::uint8_t>(h.pieceBytes / kVideoPieceUnit);
    p[4] = static_cast<std::uint8_t>(h.index >> 8);
    p[5] = static_cast<std::uint8_t>(h.index);
    p[6] = static_cast<std::uint8_t>(h.count >> 8);
    p[7] = static_cast<std::uint8_t>(h.count);
    for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(h.frameNumber >> (24 - 8 * i));
}

bool sameFrame(const VideoFragmentHeader& a, const VideoFragmentHeader& b) {
    return a.streamId == b.streamId && a.layer == b.layer && a.frameNumber == b.frameNumber;
}

}  // namespace

std::size_t fragmentVideoFrame(std::span<const std::uint8_t> frame, std::uint16_t streamId,
                               const std::function<void(std::span<const std::uint8_t>)>& emit, std::size_t pieceBytes) {
    const auto parsed = parseVideoFrame(frame);
    if (!parsed) return 0;
    // As asked, in whole units, but never so small that the frame needs too many fragments.
    const auto units = [](std::size_t bytes) { return (bytes + kVideoPieceUnit - 1) / kVideoPieceUnit * kVideoPieceUnit; };
    const std::size_t fewest = units((frame.size() + kMaxVideoFragments - 1) / kMaxVideoFragments);
    std::size_t piece = std::clamp(pieceBytes / kVideoPieceUnit * kVideoPieceUnit, kVideoPieceUnit, kVideoFragmentPieceBytes);
    piece = std::min(std::max(piece, fewest), kVideoFragmentPieceBytes);
    const std::size_t count = (frame.size() + piece - 1) / piece;
    if (count > kMaxVideoFragments) return 0;
    std::vector<std::uint8_t> fragment(kMaxVideoFragmentBytes);
    VideoFragmentHeader header{streamId, parsed->header.layer, 0, static_cast<std::uint16_t>(count),
                               parsed->header.frameNumber, static_cast<std::uint16_t>(piece)};
    for (std::size_t i = 0; i < count; ++i) {
        header.index = static_cast<std::uint16_t>(i);
        writeHeader(fragment.data(), header);
        const std::size_t from = i * piece;
        const std::size_t length = std::min(piece, frame.size() - from);
        std::memcpy(fragment.data() + kVideoFragmentHeaderBytes, frame.data() + from, length);
        emit({fragment.data(), kVideoFragmentHeaderBytes + length});
    }
    return count;
}

std::optional<VideoFragmentHeader> parseVideoFragmentHeader(std::span<const std::uint8_t> fragment) {
    if (fragment.size() <= kVideoFragmentHeaderBytes) return std::nullopt;
    const std::uint8_t* p = fragment.data();
    VideoFragmentHeader h;
    h.streamId = static_cast<std::uint16_t>(p[0] << 8 | p[1]);
    if (p[2] >= kVideoLayers) return std::nullopt;
    h.layer = static_cast<VideoLayer>(p[2]);
    h.pieceBytes = static_cast<std::uint16_t>(p[3] * kVideoPieceUnit);
    if (h.pieceBytes == 0 || h.pieceBytes > kVideoFragmentPieceBytes) return std::nullopt;
    h.index = static_cast<std::uint16_t>(p[4] << 8 | p[5]);
    h.count = static_cast<std::uint16_t>(p[6] << 8 | p[7]);
    h.frameNumber = std::uint32_t{p[8]} << 24 | std::uint32_t{p[9]} << 16 | std::uint32_t{p[10]} << 8 | p[11];
    if (h.count == 0 || h.count > kMaxVideoFragments || h.index >= h.count) return std::nullopt;
    return h;
}

void VideoReassembler::release(Slot& slot) {
    slot.used = false;
    slot.bytes.clear();
    slot.bytes.shrink_to_fit();
    slot.have.clear();
    slot.received = 0;
}

std::size_t VideoReassembler::heldBytes() const {
    std::size_t total = 0;
    for (const Slot& slot : slots_) total += slot.used ? slot.bytes.capacity() : 0;
    return total;
}

std::optional<std::span<const std::uint8_t>> VideoReassembler::add(std::span<const std::uint8_t> fragment) {
    const auto header = parseVideoFragmentHeader(fragment);
    if (!header) {
        ++malformed_;
        return std::nullopt;
    }
    const auto piece = fragment.subspan(kVideoFragmentHeaderBytes);
    ++clock_;
    // The frame's slot; a newer frame of the same stream and layer ends older ones (lost).
    Slot* slot = nullptr;
    for (Slot& candidate : slots_) {
        if (!candidate.used) continue;
        if (sameFrame(candidate.key, *header)) {
            slot = &candidate;
        } else if (candidate.key.streamId == header->streamId && candidate.key.layer == header->layer &&
                   static_cast<std::int32_t>(header->frameNumber - candidate.key.frameNumber) > 0) {
            ++dropped_;
            release(candidate);
        }
    }
    if (!slot) {
        if (header->count == 1) {  // whole in one: nothing to hold
            done_.assign(piece.begin(), piece.end());
            return std::span<const std::uint8_t>(done_);
        }
        for (Slot& candidate : slots_)
            if (!candidate.used) {
                slot = &candidate;
                break;
            }
        if (!slot) {  // all busy: the oldest goes
            slot = &*std::min_element(slots_.begin(), slots_.end(), [](const Slot& a, const Slot& b) { return a.age < b.age; });
            ++dropped_;
            release(*slot);
        }
        const std::size_t room = std::size_t{header->count} * header->pieceBytes;
        if (heldBytes() + room > kMaxBytes) {
            ++dropped_;
            return std::nullopt;
        }
        slot->used = true;
        slot->key = *header;
        slot->bytes.assign(room, 0);
        slot->have.assign(header->count, false);
        slot->lastBytes = 0;
    }
    slot->age = clock_;
    const bool last = header->index + 1 == header->count;
    // Every fragment but the last carries exactly the frame's piece size.
    const std::size_t pieceBytes = slot->key.pieceBytes;
    if (header->count != slot->key.count || header->pieceBytes != pieceBytes || (!last && piece.size() != pieceBytes) ||
        piece.size() > pieceBytes) {
        ++malformed_;
        return std::nullopt;
    }
    if (slot->have[header->index]) return std::nullopt;  // a copy
    const std::size_t at = std::size_t{header->index} * pieceBytes;
    std::memcpy(slot->bytes.data() + at, piece.data(), piece.size());
    slot->have[header->index] = true;
    if (last) slot->lastBytes = piece.size();
    if (++slot->received < header->count) return std::nullopt;
    done_.assign(slot->bytes.begin(),
                 slot->bytes.begin() + static_cast<std::ptrdiff_t>((header->count - 1) * pieceBytes + slot->lastBytes));
    release(*slot);
    return std::span<const std::uint8_t>(done_);
}

}  // namespace samspil::protocol
