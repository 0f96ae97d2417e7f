#include "samspil/video/i420_image.h"

#include <libyuv/convert_argb.h>
#include <libyuv/scale.h>

#include <cstring>

namespace samspil::video {

I420Image::I420Image(int width, int height) : width_(width), height_(height) {
    const auto luma = static_cast<std::size_t>(width) * height;
    const auto chroma = static_cast<std::size_t>(chromaWidth()) * chromaHeight();
    data_.assign(luma + 2 * chroma, 128);
    std::memset(data_.data(), 16, luma);
}

I420Image I420Image::scaled(int width, int height) const {
    I420Image out(width, height);
    libyuv::I420Scale(y(), strideY(), u(), strideUV(), v(), strideUV(), width_, height_, out.y(), out.strideY(), out.u(),
                      out.strideUV(), out.v(), out.strideUV(), width, height, libyuv::kFilterBilinear);
    return out;
}

void I420Image::toBgra(std::uint8_t* out, int strideBytes) const {
    // libyuv's "ARGB" is B, G, R, A in memory: what JUCE's ARGB images hold on little-endian machines.
    libyuv::I420ToARGB(y(), strideY(), u(), strideUV(), v(), strideUV(), out, strideBytes, width_, height_);
}

}  // namespace samspil::video
