#include "samspil/video/test_pattern.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace samspil::video {
namespace {

struct Yuv {
    std::uint8_t y, u, v;
};
// Colour bars (BT.601, video range): white, yellow, cyan, green, magenta, red, blue, black.
constexpr std::array<Yuv, 8> kBars{{{235, 128, 128},
                                     {210, 16, 146},
                                     {170, 166, 16},
                                     {145, 54, 34},
                                     {106, 202, 222},
                                     {81, 90, 240},
                                     {41, 240, 110},
                                     {16, 128, 128}}};
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << 48) - 1;

std::uint8_t check(std::uint64_t time48) {
    std::uint8_t sum = 0x5A;
    for (int i = 0; i < 6; ++i) sum = static_cast<std::uint8_t>(sum ^ (time48 >> (8 * i)));
    return sum;
}

void fill(I420Image& picture, int x0, int y0, int w, int h, Yuv colour) {
    x0 = std::clamp(x0, 0, picture.width());
    y0 = std::clamp(y0, 0, picture.height());
    const int x1 = std::clamp(x0 + w, 0, picture.width()), y1 = std::clamp(y0 + h, 0, picture.height());
    for (int y = y0; y < y1; ++y) std::memset(picture.y() + y * picture.strideY() + x0, colour.y, static_cast<std::size_t>(x1 - x0));
    for (int y = y0 / 2; y < (y1 + 1) / 2; ++y) {
        std::memset(picture.u() + y * picture.strideUV() + x0 / 2, colour.u, static_cast<std::size_t>((x1 + 1) / 2 - x0 / 2));
        std::memset(picture.v() + y * picture.strideUV() + x0 / 2, colour.v, static_cast<std::size_t>((x1 + 1) / 2 - x0 / 2));
    }
}

// Block edges at fractions of the width (x = W·k/30), so the pattern scaled to another size
// still reads there: the sender scales its camera's picture for each step of the ladder.
int edge(int width, double blocks) {
    return static_cast<int>(std::lround(width * blocks / 30.0));
}

}  // namespace

void TestPattern::draw(I420Image& picture, std::uint32_t frame, std::int64_t captureServerUs) {
    const int w = picture.width(), h = picture.height();
    const int band = edge(w, 4);  // the time code's grey band
    // The bars, sliding 4 pixels a frame: one row of each plane made, then copied down.
    const int barWidth = std::max(1, w / 8);
    const int shift = static_cast<int>((frame * 4u) % static_cast<std::uint32_t>(w));
    const auto barAt = [&](int x) { return kBars[static_cast<std::size_t>((((x + shift) % w) / barWidth) % 8)]; };
    std::uint8_t* firstY = picture.y() + band * picture.strideY();
    for (int x = 0; x < w; ++x) firstY[x] = barAt(x & ~1).y;
    for (int y = band + 1; y < h; ++y) std::memcpy(picture.y() + y * picture.strideY(), firstY, static_cast<std::size_t>(w));
    const int firstChromaRow = band / 2;
    std::uint8_t* firstU = picture.u() + firstChromaRow * picture.strideUV();
    std::uint8_t* firstV = picture.v() + firstChromaRow * picture.strideUV();
    for (int x = 0; x < picture.chromaWidth(); ++x) {
        firstU[x] = barAt(2 * x).u;
        firstV[x] = barAt(2 * x).v;
    }
    for (int y = firstChromaRow + 1; y < picture.chromaHeight(); ++y) {
        std::memcpy(picture.u() + y * picture.strideUV(), firstU, static_cast<std::size_t>(picture.chromaWidth()));
        std::memcpy(picture.v() + y * picture.strideUV(), firstV, static_cast<std::size_t>(picture.chromaWidth()));
    }
    // The time code on its grey band.
    fill(picture, 0, 0, w, band, {128, 128, 128});
    const std::uint64_t time48 = static_cast<std::uint64_t>(captureServerUs) & kTimeMask;
    const std::uint64_t bits = time48 << 8 | check(time48);
    for (int i = 0; i < kBits; ++i) {
        const bool one = (bits >> (kBits - 1 - i)) & 1;
        const int row = i / 28, column = i % 28;
        const int x0 = edge(w, 1 + column), y0 = edge(w, 1 + row);
        fill(picture, x0, y0, edge(w, 2 + column) - x0, edge(w, 2 + row) - y0, one ? Yuv{235, 128, 128} : Yuv{16, 128, 128});
    }
}

std::optional<std::int64_t> TestPattern::readTime(const I420Image& picture, std::int64_t nearUs) {
    const int w = picture.width(), h = picture.height();
    if (w < 60 || h < edge(w, 5)) return std::nullopt;
    std::uint64_t bits = 0;
    for (int i = 0; i < kBits; ++i) {
        const int row = i / 28, column = i % 28;
        // The middle half of the block: its edges are where compression and scaling smear.
        const int x0 = edge(w, 1.25 + column), x1 = std::max(x0 + 1, edge(w, 1.75 + column));
        const int y0 = edge(w, 1.25 + row), y1 = std::max(y0 + 1, edge(w, 1.75 + row));
        int sum = 0;
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) sum += picture.y()[y * picture.strideY() + x];
        bits = bits << 1 | (sum / ((x1 - x0) * (y1 - y0)) >= 128 ? 1u : 0u);
    }
    const std::uint64_t time48 = bits >> 8;
    if (check(time48) != static_cast<std::uint8_t>(bits & 0xFF)) return std::nullopt;
    // Widen around nearUs: the time code's 48 bits are about 8.9 years of µs.
    const auto near = static_cast<std::uint64_t>(nearUs);
    std::int64_t candidate = static_cast<std::int64_t>((near & ~kTimeMask) | time48);
    const std::int64_t span = static_cast<std::int64_t>(kTimeMask + 1);
    if (candidate - nearUs > span / 2) candidate -= span;
    if (nearUs - candidate > span / 2) candidate += span;
    return candidate;
}

}  // namespace samspil::video
