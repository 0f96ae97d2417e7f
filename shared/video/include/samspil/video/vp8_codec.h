// VP8 through Debian's libvpx, set up for live video: real time, no frames held back (no
// lag), error resilient, constant bitrate, a keyframe on request and at least every
// keyframeEverySeconds (a receiver that lost one and whose request went missing is never long
// without a picture), at most three average frames' worth. Each object belongs
// to one thread (a capture thread, a decoder thread); never an audio thread.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/video/i420_image.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct vpx_codec_ctx;
struct vpx_image;

namespace samspil::video {

struct Vp8EncoderSettings {
    int width = 640;
    int height = 360;
    int framesPerSecond = 30;
    int bitrateKbps = 500;
    int keyframeEverySeconds = 3;  ///< at most this long without a keyframe
    /// One: libvpx's VP8 threads wait for each other by spinning, which on a two-core school
    /// laptop costs more than it gains; one thread encodes 720p30 in real time.
    int threads = 1;
};

/// One encoded frame.
struct EncodedVideo {
    std::vector<std::uint8_t> bytes;
    bool keyframe = false;
};

class Vp8Encoder {
public:
    [[nodiscard]] static Expected<std::unique_ptr<Vp8Encoder>, std::string> create(const Vp8EncoderSettings& settings);
    ~Vp8Encoder();
    Vp8Encoder(const Vp8Encoder&) = delete;
    Vp8Encoder& operator=(const Vp8Encoder&) = delete;

    /// Encodes one picture of the encoder's size (scaled first if it is not); `keyframe`
    /// forces one. Returns the frame, or nothing when the encoder dropped it (its rate control).
    [[nodiscard]] Expected<std::optional<EncodedVideo>, std::string> encode(const I420Image& picture, bool keyframe);
    /// A new target, taking effect at the next frame.
    void setBitrateKbps(int kbps);
    const Vp8EncoderSettings& settings() const { return settings_; }

private:
    Vp8Encoder() = default;
    Vp8EncoderSettings settings_;
    std::unique_ptr<vpx_codec_ctx> codec_;
    std::int64_t pts_ = 0;
};

class Vp8Decoder {
public:
    [[nodiscard]] static Expected<std::unique_ptr<Vp8Decoder>, std::string> create(int threads = 1);
    ~Vp8Decoder();
    Vp8Decoder(const Vp8Decoder&) = delete;
    Vp8Decoder& operator=(const Vp8Decoder&) = delete;

    /// Decodes one frame; the picture it gives, or an error (a frame that needed one that
    /// was lost: wait for a keyframe).
    [[nodiscard]] Expected<I420Image, std::string> decode(std::span<const std::uint8_t> frame);

private:
    Vp8Decoder() = default;
    std::unique_ptr<vpx_codec_ctx> codec_;
};

}  // namespace samspil::video
