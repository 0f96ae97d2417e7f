#include "samspil/video/vp8_codec.h"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <cstring>

namespace samspil::video {
namespace {

std::string errorOf(vpx_codec_ctx_t* codec, const char* what) {
    const char* detail = vpx_codec_error_detail(codec);
    return std::string(what) + ": " + vpx_codec_error(codec) + (detail ? std::string(" (") + detail + ")" : "");
}

}  // namespace

Expected<std::unique_ptr<Vp8Encoder>, std::string> Vp8Encoder::create(const Vp8EncoderSettings& settings) {
    if (settings.width < 16 || settings.height < 16 || settings.width % 2 || settings.height % 2)
        return Unexpected{std::string("a picture of at least 16x16, even sizes")};
    vpx_codec_enc_cfg_t config{};
    if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK)
        return Unexpected{std::string("libvpx has no VP8 encoder")};
    config.g_w = static_cast<unsigned>(settings.width);
    config.g_h = static_cast<unsigned>(settings.height);
    config.g_timebase = {1, settings.framesPerSecond};
    config.g_threads = static_cast<unsigned>(std::max(1, settings.threads));
    config.g_lag_in_frames = 0;                     // nothing held back: live
    config.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
    config.g_pass = VPX_RC_ONE_PASS;
    config.rc_end_usage = VPX_CBR;
    config.rc_target_bitrate = static_cast<unsigned>(settings.bitrateKbps);
    config.rc_min_quantizer = 4;
    config.rc_max_quantizer = 56;
    config.rc_undershoot_pct = 50;
    config.rc_overshoot_pct = 50;
    config.rc_buf_initial_sz = 500;
    config.rc_buf_optimal_sz = 600;
    config.rc_buf_sz = 1000;
    config.rc_dropframe_thresh = 30;                // drop a frame rather than overshoot a weak line
    config.kf_mode = VPX_KF_AUTO;
    config.kf_max_dist = static_cast<unsigned>(settings.framesPerSecond * settings.keyframeEverySeconds);
    std::unique_ptr<Vp8Encoder> encoder(new Vp8Encoder);
    encoder->settings_ = settings;
    encoder->codec_ = std::make_unique<vpx_codec_ctx_t>();
    if (vpx_codec_enc_init(encoder->codec_.get(), vpx_codec_vp8_cx(), &config, 0) != VPX_CODEC_OK) {
        const std::string error = errorOf(encoder->codec_.get(), "vpx_codec_enc_init");
        encoder->codec_.reset();
        return Unexpected{error};
    }
    vpx_codec_control(encoder->codec_.get(), VP8E_SET_CPUUSED, 8);  // fastest: real time on one core
    vpx_codec_control(encoder->codec_.get(), VP8E_SET_NOISE_SENSITIVITY, 0);
    vpx_codec_control(encoder->codec_.get(), VP8E_SET_STATIC_THRESHOLD, 1);
    vpx_codec_control(encoder->codec_.get(), VP8E_SET_TOKEN_PARTITIONS, 1);
    // A keyframe at most three average frames: on a home line's upload a full-size one
    // would sit in the modem in front of the audio for a quarter of a second.
    vpx_codec_control(encoder->codec_.get(), VP8E_SET_MAX_INTRA_BITRATE_PCT, 300);
    return encoder;
}

Vp8Encoder::~Vp8Encoder() {
    if (codec_) vpx_codec_destroy(codec_.get());
}

void Vp8Encoder::setBitrateKbps(int kbps) {
    if (kbps == settings_.bitrateKbps || kbps <= 0) return;
    const vpx_codec_enc_cfg_t* current = codec_->config.enc;
    if (!current) return;
    vpx_codec_enc_cfg_t config = *current;
    config.rc_target_bitrate = static_cast<unsigned>(kbps);
    if (vpx_codec_enc_config_set(codec_.get(), &config) == VPX_CODEC_OK) settings_.bitrateKbps = kbps;
}

Expected<std::optional<EncodedVideo>, std::string> Vp8Encoder::encode(const I420Image& picture, bool keyframe) {
    const I420Image* source = &picture;
    I420Image resized;
    if (picture.width() != settings_.width || picture.height() != settings_.height) {
        resized = picture.scaled(settings_.width, settings_.height);
        source = &resized;
    }
    vpx_image_t image{};
    vpx_img_wrap(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(source->width()), static_cast<unsigned>(source->height()),
                 1, const_cast<std::uint8_t*>(source->y()));
    image.planes[VPX_PLANE_Y] = const_cast<std::uint8_t*>(source->y());
    image.planes[VPX_PLANE_U] = const_cast<std::uint8_t*>(source->u());
    image.planes[VPX_PLANE_V] = const_cast<std::uint8_t*>(source->v());
    image.stride[VPX_PLANE_Y] = source->strideY();
    image.stride[VPX_PLANE_U] = source->strideUV();
    image.stride[VPX_PLANE_V] = source->strideUV();
    const vpx_enc_frame_flags_t flags = keyframe ? VPX_EFLAG_FORCE_KF : 0;
    if (vpx_codec_encode(codec_.get(), &image, pts_++, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
        return Unexpected{errorOf(codec_.get(), "vpx_codec_encode")};
    std::optional<EncodedVideo> out;
    vpx_codec_iter_t iterator = nullptr;
    while (const vpx_codec_cx_pkt_t* packet = vpx_codec_get_cx_data(codec_.get(), &iterator)) {
        if (packet->kind != VPX_CODEC_CX_FRAME_PKT) continue;
        EncodedVideo frame;
        const auto* data = static_cast<const std::uint8_t*>(packet->data.frame.buf);
        frame.bytes.assign(data, data + packet->data.frame.sz);
        frame.keyframe = (packet->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
        out = std::move(frame);
    }
    return out;
}

Expected<std::unique_ptr<Vp8Decoder>, std::string> Vp8Decoder::create(int threads) {
    std::unique_ptr<Vp8Decoder> decoder(new Vp8Decoder);
    decoder->codec_ = std::make_unique<vpx_codec_ctx_t>();
    vpx_codec_dec_cfg_t config{};
    config.threads = static_cast<unsigned>(std::max(1, threads));
    if (vpx_codec_dec_init(decoder->codec_.get(), vpx_codec_vp8_dx(), &config, 0) != VPX_CODEC_OK) {
        const std::string error = errorOf(decoder->codec_.get(), "vpx_codec_dec_init");
        decoder->codec_.reset();
        return Unexpected{error};
    }
    return decoder;
}

Vp8Decoder::~Vp8Decoder() {
    if (codec_) vpx_codec_destroy(codec_.get());
}

Expected<I420Image, std::string> Vp8Decoder::decode(std::span<const std::uint8_t> frame) {
    if (frame.empty()) return Unexpected{std::string("an empty frame")};
    if (vpx_codec_decode(codec_.get(), frame.data(), static_cast<unsigned>(frame.size()), nullptr, 0) != VPX_CODEC_OK)
        return Unexpected{errorOf(codec_.get(), "vpx_codec_decode")};
    vpx_codec_iter_t iterator = nullptr;
    vpx_image_t* image = vpx_codec_get_frame(codec_.get(), &iterator);
    if (!image) return Unexpected{std::string("no picture (the frame needs one that was lost)")};
    I420Image out(static_cast<int>(image->d_w) & ~1, static_cast<int>(image->d_h) & ~1);
    for (int row = 0; row < out.height(); ++row)
        std::memcpy(out.y() + row * out.strideY(), image->planes[VPX_PLANE_Y] + row * image->stride[VPX_PLANE_Y],
                    static_cast<std::size_t>(out.width()));
    for (int row = 0; row < out.chromaHeight(); ++row) {
        std::memcpy(out.u() + row * out.strideUV(), image->planes[VPX_PLANE_U] + row * image->stride[VPX_PLANE_U],
                    static_cast<std::size_t>(out.chromaWidth()));
        std::memcpy(out.v() + row * out.strideUV(), image->planes[VPX_PLANE_V] + row * image->stride[VPX_PLANE_V],
                    static_cast<std::size_t>(out.chromaWidth()));
    }
    return out;
}

}  // namespace samspil::video
