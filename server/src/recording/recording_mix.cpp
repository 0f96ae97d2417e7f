#include "recording/recording_mix.h"

#include "recording/ogg_opus_track.h"
#include "samspil/audio/opus_codec.h"

#include <opus.h>
#include <ogg/ogg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

namespace samspil::server {

namespace {

constexpr int kFrame = 960;  // 20 ms: the mix is for listening, not for playing along

// One track read back: Ogg pages → Opus packets → decoded stereo samples, the pre-skip
// dropped, so sample 0 is the recording's first instant.
class TrackReader {
public:
    explicit TrackReader(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) { ogg_sync_init(&sync_); }
    ~TrackReader() {
        if (file_) std::fclose(file_);
        if (streamStarted_) ogg_stream_clear(&stream_);
        ogg_sync_clear(&sync_);
        if (decoder_) opus_decoder_destroy(decoder_);
    }
    TrackReader(const TrackReader&) = delete;
    TrackReader& operator=(const TrackReader&) = delete;

    bool opened() const { return file_ != nullptr; }

    /// Adds the next `frames` stereo frames of the track into `mix` (interleaved); false
    /// once the track has nothing left.
    bool addInto(float* mix, int frames) {
        while (static_cast<int>(pcm_.size() - used_) < frames * 2 && decodeNext()) {}
        const int have = std::min(frames, static_cast<int>(pcm_.size() - used_) / 2);
        for (int i = 0; i < have * 2; ++i) mix[i] += pcm_[used_ + static_cast<std::size_t>(i)];
        used_ += static_cast<std::size_t>(have) * 2;
        if (used_ > 1 << 16) {  // drop what has been mixed now and then
            pcm_.erase(pcm_.begin(), pcm_.begin() + static_cast<std::ptrdiff_t>(used_));
            used_ = 0;
        }
        return have > 0;
    }

private:
    bool nextPacket(ogg_packet& packet) {
        for (;;) {
            if (streamStarted_ && ogg_stream_packetout(&stream_, &packet) == 1) return true;
            ogg_page page;
            while (ogg_sync_pageout(&sync_, &page) != 1) {
                char* buffer = ogg_sync_buffer(&sync_, 8192);
                const std::size_t got = file_ ? std::fread(buffer, 1, 8192, file_) : 0;
                if (got == 0) return false;
                ogg_sync_wrote(&sync_, static_cast<long>(got));
            }
            if (!streamStarted_) {
                ogg_stream_init(&stream_, ogg_page_serialno(&page));
                streamStarted_ = true;
            }
            ogg_stream_pagein(&stream_, &page);
        }
    }

    // Decodes one more packet into pcm_ (stereo); false at the end or on a broken file.
    bool decodeNext() {
        ogg_packet packet;
        if (!nextPacket(packet)) return false;
        if (packetsSeen_++ == 0) {  // OpusHead: channels and pre-skip (RFC 7845 5.1)
            if (packet.bytes < 19 || std::memcmp(packet.packet, "OpusHead", 8) != 0) return false;
            channels_ = packet.packet[9] == 2 ? 2 : 1;
            skip_ = packet.packet[10] | (packet.packet[11] << 8);
            int error = 0;
            decoder_ = opus_decoder_create(48000, channels_, &error);
            return decoder_ != nullptr;
        }
        if (packetsSeen_ == 2) return true;  // OpusTags
        float out[5760 * 2];
        const int samples = opus_decode_float(decoder_, packet.packet, static_cast<opus_int32>(packet.bytes), out, 5760, 0);
        if (samples < 0) return true;  // a damaged packet: skip it
        for (int i = 0; i < samples; ++i) {
            if (skip_ > 0) {
                --skip_;
                continue;
            }
            const float left = out[i * channels_];
            const float right = channels_ == 2 ? out[i * 2 + 1] : left;  // mono in the middle, as heard
            pcm_.push_back(left);
            pcm_.push_back(right);
        }
        return true;
    }

    std::FILE* file_;
    ogg_sync_state sync_{};
    ogg_stream_state stream_{};
    bool streamStarted_ = false;
    int packetsSeen_ = 0;
    int channels_ = 1;
    int skip_ = 0;
    OpusDecoder* decoder_ = nullptr;
    std::vector<float> pcm_;
    std::size_t used_ = 0;
};

}  // namespace

Expected<std::int64_t, std::string> mixTracks(const std::vector<std::string>& tracks, const std::string& mixPath,
                                              const std::atomic<bool>* stop) {
    std::vector<std::unique_ptr<TrackReader>> readers;
    for (const std::string& path : tracks) {
        readers.push_back(std::make_unique<TrackReader>(path));
        if (!readers.back()->opened()) return Unexpected{"cannot read " + path};
    }
    OpusStreamEncoderSettings settings;
    settings.channels = 2;
    settings.frameSamples = kFrame;
    settings.bitrate = 128000;
    settings.expectedLossPercent = 0;  // a file: nothing is lost on the way
    settings.complexity = 10;
    auto encoder = OpusStreamEncoder::create(settings);
    if (!encoder) return Unexpected{"the mix's encoder: " + encoder.error()};
    auto out = OggOpusTrack::create(mixPath, 2, 0x6d697821, "SAMSPIL_MIX=" + std::to_string(tracks.size()) + " tracks");
    if (!out) return Unexpected{out.error()};

    float frame[kFrame * 2];
    std::uint8_t packet[1275];
    float gain = 1.0f;
    std::int64_t position = 0;
    for (;;) {
        if (stop && stop->load(std::memory_order_relaxed)) return Unexpected{std::string("stopped")};
        std::fill(std::begin(frame), std::end(frame), 0.0f);
        bool any = false;
        for (auto& reader : readers) any = reader->addInto(frame, kFrame) || any;
        if (!any) break;
        // Under full scale: the gain drops at once to what this frame needs, and climbs back
        // by about 6 dB a second, smoothly across each frame.
        float peak = 0.0f;
        for (const float sample : frame) peak = std::max(peak, std::fabs(sample));
        const bool tooLoud = peak * gain > 0.95f;
        const float target = tooLoud ? 0.95f / peak : std::min(1.0f, gain * 1.0023f);
        for (int i = 0; i < kFrame; ++i) {
            const float g = tooLoud ? target : gain + (target - gain) * static_cast<float>(i + 1) / kFrame;
            frame[i * 2] *= g;
            frame[i * 2 + 1] *= g;
        }
        gain = target;
        const int length = encoder->encode(frame, packet);
        if (length < 0) return Unexpected{std::string("the mix's encoder failed: ") + opus_strerror(length)};
        (*out)->write(position, {packet, static_cast<std::size_t>(length)}, position / 48);
        position += kFrame;
    }
    (*out)->finish();
    if ((*out)->failed()) return Unexpected{"writing " + mixPath + " failed"};
    return position;
}

}  // namespace samspil::server
