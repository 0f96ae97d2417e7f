// I420Image: a picture as VP8 takes and gives it — a full-size luma plane and two quarter-
// size chroma planes, each row `stride` bytes. Owns its memory. Any one thread at a time.
#pragma once

#include <cstdint>
#include <vector>

namespace samspil::video {

class I420Image {
public:
    I420Image() = default;
    /// A black picture (Y 16, U and V 128) of an even size.
    I420Image(int width, int height);

    int width() const { return width_; }
    int height() const { return height_; }
    bool empty() const { return width_ == 0; }
    std::uint8_t* y() { return data_.data(); }
    std::uint8_t* u() { return data_.data() + static_cast<std::size_t>(width_) * height_; }
    std::uint8_t* v() { return u() + static_cast<std::size_t>(chromaWidth()) * chromaHeight(); }
    const std::uint8_t* y() const { return data_.data(); }
    const std::uint8_t* u() const { return data_.data() + static_cast<std::size_t>(width_) * height_; }
    const std::uint8_t* v() const { return u() + static_cast<std::size_t>(chromaWidth()) * chromaHeight(); }
    int strideY() const { return width_; }
    int strideUV() const { return chromaWidth(); }
    int chromaWidth() const { return (width_ + 1) / 2; }
    int chromaHeight() const { return (height_ + 1) / 2; }

    /// A copy scaled to another size (libyuv, bilinear).
    I420Image scaled(int width, int height) const;
    /// The picture as 32-bit BGRA pixels (JUCE's and most windowing systems' order), row by row.
    void toBgra(std::uint8_t* out, int strideBytes) const;

private:
    int width_ = 0;
    int height_ = 0;
    std::vector<std::uint8_t> data_;
};

}  // namespace samspil::video
