// The test pattern: what every test and benchmark films instead of a camera (the CI machine
// has none). Eight colour bars that slide a little each frame, and across the top a time
// code — the capture time on the server's clock, 48 bits, and an 8-bit check — as two rows
// of black and white blocks that survive VP8 at its lowest step. A receiver reads the time
// code from the decoded picture's pixels: glass to glass, and proof the picture is the
// sender's. The browser draws the same pattern (client-app/web/js/test-pattern.js).
//
// Geometry (a picture W×H, b = W/30, every edge rounded to the nearest pixel): a grey band
// from y 0 to 4b; bit i's block from x = b·(1 + i mod 28) to b·(2 + i mod 28), y = b·(1 + ⌊i/28⌋)
// to b·(2 + ⌊i/28⌋); bit 0 the time's most significant; white is 1. The bars fill y ≥ 4b.
// Edges at fractions of the width: the pattern scaled to any size still reads.
#pragma once

#include "samspil/video/i420_image.h"

#include <cstdint>
#include <optional>

namespace samspil::video {

class TestPattern {
public:
    static constexpr int kBits = 56;
    /// Draws frame number `frame` of a picture whose capture time is `captureServerUs`.
    static void draw(I420Image& picture, std::uint32_t frame, std::int64_t captureServerUs);
    /// The capture time a picture carries (the low 48 bits of µs, widened around `nearUs`,
    /// any recent time on the same clock), or nothing when its blocks do not read or check.
    static std::optional<std::int64_t> readTime(const I420Image& picture, std::int64_t nearUs);
};

}  // namespace samspil::video
