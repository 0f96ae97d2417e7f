// Video frames on the UDP path (docs/protocol.md, "Video on the UDP path"): a frame is cut
// into fragments that each fit one datagram's body, each behind a 12-byte fragment header
// (the sender's stream id, the layer, the piece size, its index and the count, the frame
// number), and put together again on the other side. Every fragment but a frame's last
// carries exactly the frame's piece size: 16 to 1344 bytes in steps of 16 — small pieces on a
// slow upload, where one full datagram holds the line for 20 ms in front of the audio. Pure:
// no sockets, no clock; bounded in what it holds.
#pragma once

#include "samspil/protocol/video_frame.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace samspil::protocol {

inline constexpr std::size_t kVideoFragmentHeaderBytes = 12;
/// The largest piece of a frame a fragment carries (it fits a UDP datagram's body of 1370
/// bytes with the fragment header); pieces are multiples of kVideoPieceUnit.
inline constexpr std::size_t kVideoFragmentPieceBytes = 1344;
inline constexpr std::size_t kVideoPieceUnit = 16;
inline constexpr std::size_t kMaxVideoFragmentBytes = kVideoFragmentHeaderBytes + kVideoFragmentPieceBytes;
/// A frame is at most this many fragments (a 512 KiB frame in pieces of 1024 bytes).
inline constexpr std::size_t kMaxVideoFragments = 512;

struct VideoFragmentHeader {
    std::uint16_t streamId = 0;  ///< whose frame (0 from a client: its own)
    VideoLayer layer = VideoLayer::Small;
    std::uint16_t index = 0;
    std::uint16_t count = 0;
    std::uint32_t frameNumber = 0;
    std::uint16_t pieceBytes = kVideoFragmentPieceBytes;  ///< what every fragment but the last carries
};

/// The fragments of one whole frame (stamped `streamId`), handed to `emit` in order, in pieces
/// of `pieceBytes` (rounded down to kVideoPieceUnit, at most kVideoFragmentPieceBytes; larger
/// when the frame would otherwise need more than kMaxVideoFragments). Returns how many there
/// were (0: not a valid frame).
std::size_t fragmentVideoFrame(std::span<const std::uint8_t> frame, std::uint16_t streamId,
                               const std::function<void(std::span<const std::uint8_t>)>& emit,
                               std::size_t pieceBytes = kVideoFragmentPieceBytes);

/// Parses a fragment's header; nullopt when it is malformed.
std::optional<VideoFragmentHeader> parseVideoFragmentHeader(std::span<const std::uint8_t> fragment);

/// Puts fragments together. A frame whose fragments do not all come before a newer frame of
/// the same stream and layer is dropped (counted): video is perishable. At most kSlots
/// frames are under way at once, with at most kMaxBytes between them.
class VideoReassembler {
public:
    static constexpr std::size_t kSlots = 8;
    static constexpr std::size_t kMaxBytes = 2 * kMaxVideoFrameBytes;

    /// A fragment; returns the whole frame when this one completed it (valid until the next call).
    std::optional<std::span<const std::uint8_t>> add(std::span<const std::uint8_t> fragment);
    std::uint64_t framesDropped() const { return dropped_; }
    std::uint64_t malformed() const { return malformed_; }

private:
    struct Slot {
        bool used = false;
        VideoFragmentHeader key;
        std::vector<std::uint8_t> bytes;
        std::vector<bool> have;
        std::size_t received = 0;
        std::size_t lastBytes = 0;  // the length of the last fragment's piece
        std::uint64_t age = 0;
    };
    void release(Slot& slot);
    std::size_t heldBytes() const;

    std::array<Slot, kSlots> slots_;
    std::vector<std::uint8_t> done_;
    std::uint64_t clock_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t malformed_ = 0;
};

}  // namespace samspil::protocol
