// Opus encoder and decoder for Samspil's media: 48 kHz, mono or stereo,
// restricted-low-delay, 2.5 / 5 / 10 / 20 ms frames, in-band FEC requested, PLC.
// After construction neither allocates, locks or logs: safe on an audio thread.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/protocol/media_format.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct OpusEncoder;  // libopus
struct OpusDecoder;  // libopus

namespace samspil {

/// Samples (per channel, at 48 kHz) in an Opus packet, or 0 if the packet is malformed.
int opusPacketSamples(std::span<const std::uint8_t> packet);

/// Whether an Opus packet is in a mode (SILK or hybrid) that can carry in-band FEC for
/// the packet before it. CELT-only packets, which restricted-low-delay produces, cannot.
bool opusPacketMayCarryFec(std::span<const std::uint8_t> packet);

/// Settings for OpusStreamEncoder.
struct OpusStreamEncoderSettings {
    int channels = 1;              ///< 1 or 2
    int frameSamples = 240;        ///< 120 / 240 / 480 / 960
    int bitrate = 64000;           ///< bits per second for the whole stream
    int expectedLossPercent = 5;   ///< tunes in-band FEC
    int complexity = 8;            ///< 0..10
};

/// Encodes interleaved float frames into Opus packets.
class OpusStreamEncoder {
public:
    /// Creates an encoder, or says why the settings cannot be used.
    [[nodiscard]] static Expected<OpusStreamEncoder, std::string> create(const OpusStreamEncoderSettings& settings);

    OpusStreamEncoder(OpusStreamEncoder&&) noexcept;
    OpusStreamEncoder& operator=(OpusStreamEncoder&&) noexcept;
    ~OpusStreamEncoder();

    /// Encodes one frame (frameSamples × channels interleaved floats in [-1, 1]).
    /// Returns the packet length written to out, or a negative libopus error. Realtime-safe.
    int encode(const float* interleaved, std::span<std::uint8_t> out);

    /// Encodes one frame of frameSamples (any supported size, not only the configured one).
    /// Realtime-safe.
    int encodeFrame(const float* interleaved, int frameSamples, std::span<std::uint8_t> out);

    /// Changes the bitrate (bits per second). Realtime-safe.
    void setBitrate(int bitsPerSecond);

    /// The encoder's lookahead in samples (kOpusCodecDelaySamples for Samspil's settings).
    int lookaheadSamples() const;

    const OpusStreamEncoderSettings& settings() const { return settings_; }

private:
    OpusStreamEncoder(::OpusEncoder* encoder, const OpusStreamEncoderSettings& settings);
    struct Free { void operator()(::OpusEncoder* encoder) const; };
    std::unique_ptr<::OpusEncoder, Free> encoder_;
    OpusStreamEncoderSettings settings_;
};

/// Decodes Opus packets to interleaved floats, and conceals lost ones.
class OpusStreamDecoder {
public:
    /// Creates a decoder that outputs `channels` channels (mono packets are upmixed, stereo downmixed).
    [[nodiscard]] static Expected<OpusStreamDecoder, std::string> create(int channels);

    OpusStreamDecoder(OpusStreamDecoder&&) noexcept;
    OpusStreamDecoder& operator=(OpusStreamDecoder&&) noexcept;
    ~OpusStreamDecoder();

    /// Decodes a packet into out (room for maxFrameSamples × channels). Returns samples per
    /// channel, or a negative libopus error. Realtime-safe.
    int decode(std::span<const std::uint8_t> packet, float* out, int maxFrameSamples);

    /// Rebuilds a lost packet of frameSamples from the FEC data in the packet that followed it
    /// (falls back to PLC inside libopus when there is none). Realtime-safe.
    int decodeFromNext(std::span<const std::uint8_t> nextPacket, float* out, int frameSamples);

    /// Packet loss concealment for frameSamples (must be a multiple of 120). Realtime-safe.
    int conceal(float* out, int frameSamples);

    /// Forgets the decoder state (after a stream restart). Realtime-safe.
    void reset();

    int channels() const { return channels_; }

private:
    OpusStreamDecoder(::OpusDecoder* decoder, int channels);
    struct Free { void operator()(::OpusDecoder* decoder) const; };
    std::unique_ptr<::OpusDecoder, Free> decoder_;
    int channels_ = 1;
};

}  // namespace samspil
