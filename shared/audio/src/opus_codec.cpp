#include "samspil/audio/opus_codec.h"

#include <opus.h>

#include <algorithm>
#include <cmath>

namespace samspil {

int opusPacketSamples(std::span<const std::uint8_t> packet) {
    if (packet.empty()) return 0;
    const int samples = opus_packet_get_nb_samples(packet.data(), static_cast<opus_int32>(packet.size()), 48000);
    return samples > 0 ? samples : 0;
}

bool opusPacketMayCarryFec(std::span<const std::uint8_t> packet) {
    if (packet.empty()) return false;
    const int config = packet[0] >> 3;  // TOC byte: configs 0-11 SILK, 12-15 hybrid, 16-31 CELT
    return config < 16;
}

// ---- encoder -----------------------------------------------------------------

Expected<OpusStreamEncoder, std::string> OpusStreamEncoder::create(const OpusStreamEncoderSettings& settings) {
    if (settings.channels != 1 && settings.channels != 2) return Unexpected{std::string("channels must be 1 or 2")};
    if (!isSupportedFrameSize(settings.frameSamples))
        return Unexpected{std::string("frame size must be 2.5, 5, 10 or 20 ms")};
    int error = OPUS_OK;
    ::OpusEncoder* encoder =
        opus_encoder_create(48000, settings.channels, OPUS_APPLICATION_RESTRICTED_LOWDELAY, &error);
    if (error != OPUS_OK || !encoder) return Unexpected{std::string("opus_encoder_create: ") + opus_strerror(error)};
    opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_MUSIC));
    opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(settings.expectedLossPercent));
    opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(settings.complexity));
    OpusStreamEncoder result(encoder, settings);
    result.setBitrate(settings.bitrate);
    return result;
}

OpusStreamEncoder::OpusStreamEncoder(::OpusEncoder* encoder, const OpusStreamEncoderSettings& settings)
    : encoder_(encoder), settings_(settings) {}
OpusStreamEncoder::OpusStreamEncoder(OpusStreamEncoder&&) noexcept = default;
OpusStreamEncoder& OpusStreamEncoder::operator=(OpusStreamEncoder&&) noexcept = default;
OpusStreamEncoder::~OpusStreamEncoder() = default;

void OpusStreamEncoder::Free::operator()(::OpusEncoder* encoder) const {
    opus_encoder_destroy(encoder);
}

int OpusStreamEncoder::encode(const float* interleaved, std::span<std::uint8_t> out) {
    return encodeFrame(interleaved, settings_.frameSamples, out);
}

int OpusStreamEncoder::encodeFrame(const float* interleaved, int frameSamples, std::span<std::uint8_t> out) {
    const auto capacity = static_cast<opus_int32>(std::min<std::size_t>(out.size(), 1275));
    return opus_encode_float(encoder_.get(), interleaved, frameSamples, out.data(), capacity);
}

void OpusStreamEncoder::setBitrate(int bitsPerSecond) {
    settings_.bitrate = bitsPerSecond;
    opus_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(bitsPerSecond));
}

int OpusStreamEncoder::lookaheadSamples() const {
    opus_int32 lookahead = 0;
    opus_encoder_ctl(encoder_.get(), OPUS_GET_LOOKAHEAD(&lookahead));
    return lookahead;
}

// ---- decoder -----------------------------------------------------------------

Expected<OpusStreamDecoder, std::string> OpusStreamDecoder::create(int channels) {
    if (channels != 1 && channels != 2) return Unexpected{std::string("channels must be 1 or 2")};
    int error = OPUS_OK;
    ::OpusDecoder* decoder = opus_decoder_create(48000, channels, &error);
    if (error != OPUS_OK || !decoder) return Unexpected{std::string("opus_decoder_create: ") + opus_strerror(error)};
    return OpusStreamDecoder(decoder, channels);
}

OpusStreamDecoder::OpusStreamDecoder(::OpusDecoder* decoder, int channels) : decoder_(decoder), channels_(channels) {}
OpusStreamDecoder::OpusStreamDecoder(OpusStreamDecoder&&) noexcept = default;
OpusStreamDecoder& OpusStreamDecoder::operator=(OpusStreamDecoder&&) noexcept = default;
OpusStreamDecoder::~OpusStreamDecoder() = default;

void OpusStreamDecoder::Free::operator()(::OpusDecoder* decoder) const {
    opus_decoder_destroy(decoder);
}

int OpusStreamDecoder::decode(std::span<const std::uint8_t> packet, float* out, int maxFrameSamples) {
    return opus_decode_float(decoder_.get(), packet.data(), static_cast<opus_int32>(packet.size()), out,
                             maxFrameSamples, 0);
}

int OpusStreamDecoder::decodeFromNext(std::span<const std::uint8_t> nextPacket, float* out, int frameSamples) {
    return opus_decode_float(decoder_.get(), nextPacket.data(), static_cast<opus_int32>(nextPacket.size()), out,
                             frameSamples, 1);
}

int OpusStreamDecoder::conceal(float* out, int frameSamples) {
    return opus_decode_float(decoder_.get(), nullptr, 0, out, frameSamples, 0);
}

void OpusStreamDecoder::reset() {
    opus_decoder_ctl(decoder_.get(), OPUS_RESET_STATE);
}

}  // namespace samspil
