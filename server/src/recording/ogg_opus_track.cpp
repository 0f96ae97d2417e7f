#include "recording/ogg_opus_track.h"

#include "samspil/audio/opus_codec.h"

#include <opus.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <unistd.h>

namespace samspil::server {

namespace {

// Decoded sample k + look-ahead is the audio captured at the packet position k, so skipping
// it puts every track's sound where it was played on the recording's timeline.
constexpr std::int64_t kCodecDelay = kOpusCodecDelaySamples;
constexpr std::int64_t kFlushEveryUs = 400'000;  // a crash, tearing a page, loses under a second
constexpr std::int64_t kShortestFrame = 120;  // 2.5 ms, Opus's shortest frame

void putLe16(std::vector<unsigned char>& out, unsigned value) {
    out.push_back(static_cast<unsigned char>(value & 0xff));
    out.push_back(static_cast<unsigned char>((value >> 8) & 0xff));
}

void putLe32(std::vector<unsigned char>& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<unsigned char>((value >> shift) & 0xff));
}

void putText(std::vector<unsigned char>& out, const std::string& text) {
    putLe32(out, static_cast<std::uint32_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
}

// RFC 7845 5.1: the identification header, channel mapping family 0 (mono or stereo).
std::vector<unsigned char> opusHead(int channels, unsigned preSkip) {
    std::vector<unsigned char> head{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, static_cast<unsigned char>(channels)};
    putLe16(head, preSkip);
    putLe32(head, 48000);
    putLe16(head, 0);  // output gain
    head.push_back(0);  // mapping family
    return head;
}

// RFC 7845 5.2: the comment header.
std::vector<unsigned char> opusTags(const std::string& comment) {
    std::vector<unsigned char> tags{'O', 'p', 'u', 's', 'T', 'a', 'g', 's'};
    putText(tags, "samspil-server (Opus packets as received)");
    putLe32(tags, comment.empty() ? 0 : 1);
    if (!comment.empty()) putText(tags, comment);
    return tags;
}

// An Opus packet of one empty CELT fullband frame (RFC 6716 3.2.1: a frame of length 0
// is DTX or lost, and decoders conceal it, as a listener's decoder did).
unsigned char emptyFrameToc(std::int64_t samples, int channels) {
    const int config = samples == 960 ? 31 : samples == 480 ? 30 : samples == 240 ? 29 : 28;
    return static_cast<unsigned char>((config << 3) | (channels == 2 ? 0x04 : 0x00));
}

// Gaps up to this long are concealed like a lost packet; longer ones (a muted or paused
// sender, a participant who came later) are concealed for this long, then silence.
constexpr std::int64_t kConcealedGap = 960;

}  // namespace

Expected<std::unique_ptr<OggOpusTrack>, std::string> OggOpusTrack::create(const std::string& path, int channels,
                                                                          std::uint32_t serial,
                                                                          const std::string& comment) {
    if (channels != 1 && channels != 2) return Unexpected{std::string("a track is mono or stereo")};
    std::FILE* file = std::fopen(path.c_str(), "wbx");
    if (!file) return Unexpected{"cannot create " + path + ": " + std::strerror(errno)};
    return std::unique_ptr<OggOpusTrack>(new OggOpusTrack(file, channels, serial, comment));
}

// lead: the samples before the recording's sample 0 that the stream starts with.
void OggOpusTrack::writeHeaders(std::int64_t lead) {
    headersWritten_ = true;
    lead_ = lead;
    auto submitHeader = [&](std::vector<unsigned char> bytes) {
        ogg_packet packet{};
        packet.packet = bytes.data();
        packet.bytes = static_cast<long>(bytes.size());
        packet.b_o_s = packetNumber_ == 0;
        packet.granulepos = 0;
        packet.packetno = packetNumber_++;
        ogg_stream_packetin(&stream_, &packet);
        writePages(true);  // each header on a page of its own (RFC 7845 3)
    };
    submitHeader(opusHead(channels_, static_cast<unsigned>(kCodecDelay + lead)));
    submitHeader(opusTags(comment_));
    comment_.clear();
}

OggOpusTrack::OggOpusTrack(std::FILE* file, int channels, std::uint32_t serial, std::string comment)
    : file_(file), channels_(channels), comment_(std::move(comment)) {
    ogg_stream_init(&stream_, static_cast<int>(serial));
    // Digital silence, encoded once per frame size (CELT codes it in a few bytes).
    OpusStreamEncoderSettings settings;
    settings.channels = channels;
    settings.frameSamples = 960;
    auto encoder = OpusStreamEncoder::create(settings);
    const std::vector<float> zeros(static_cast<std::size_t>(960 * channels), 0.0f);
    for (std::size_t size = 0; size < silence_.size(); ++size) {
        std::uint8_t packet[1275];
        const int frame = static_cast<int>(kShortestFrame << (silence_.size() - 1 - size));
        const int length = encoder ? encoder->encodeFrame(zeros.data(), frame, packet) : -1;
        if (length > 0) silence_[size].assign(packet, packet + length);
        else silence_[size].assign(1, emptyFrameToc(frame, channels));  // cannot happen with valid settings
    }
}

OggOpusTrack::~OggOpusTrack() {
    finish();
    ogg_stream_clear(&stream_);
}

void OggOpusTrack::write(std::int64_t position, std::span<const std::uint8_t> opus, std::int64_t nowUs) {
    if (finished_ || opus.empty() || opus.size() > sizeof(held_)) {
        ++skipped_;
        return;
    }
    const int samples = opus_packet_get_nb_samples(opus.data(), static_cast<opus_int32>(opus.size()), 48000);
    if (samples <= 0) {
        ++skipped_;
        return;
    }
    if (!headersWritten_) {
        if (position + samples <= 0) return;  // wholly before the recording began
        // Start the stream so that this packet lands on a whole 2.5 ms frame and the part
        // of it before sample 0 (if any) is pre-skipped: the track is placed to the sample.
        writeHeaders(position < 0 ? -position : (kShortestFrame - position % kShortestFrame) % kShortestFrame);
    }
    position += lead_;
    // A packet starting over half of itself before the track's end overlaps what is there
    // (a duplicate, or one that came too late); one starting later leaves a gap to fill.
    if (position < end_ - samples / 2) {
        ++skipped_;
        return;
    }
    if (position - end_ >= kShortestFrame) fillGap(position - end_);
    submit(opus, samples);
    ++packets_;
    if (nowUs - lastFlushUs_ >= kFlushEveryUs) {
        writePages(true);
        lastFlushUs_ = nowUs;
    }
}

void OggOpusTrack::padTo(std::int64_t position) {
    if (finished_) return;
    if (!headersWritten_) writeHeaders(0);
    position += lead_;
    if (position - end_ >= kShortestFrame) fillGap(position - end_);
}

void OggOpusTrack::fillGap(std::int64_t samples) {
    for (std::int64_t concealed = 0; concealed < kConcealedGap && samples >= kShortestFrame;
         concealed += kShortestFrame, samples -= kShortestFrame) {
        const std::uint8_t toc = emptyFrameToc(kShortestFrame, channels_);
        submit({&toc, 1}, kShortestFrame);
    }
    for (std::size_t size = 0; size < silence_.size(); ++size) {
        const std::int64_t frame = kShortestFrame << (silence_.size() - 1 - size);  // 960, 480, 240, 120
        while (samples >= frame) {
            submit(silence_[size], frame);
            samples -= frame;
        }
    }
}

// Hands the held packet to libogg and holds this one instead.
void OggOpusTrack::submit(std::span<const std::uint8_t> packet, std::int64_t samples) {
    if (holding_) {
        ogg_packet held{};
        held.packet = held_;
        held.bytes = static_cast<long>(heldBytes_);
        held.granulepos = end_;  // decoded samples up to and including this packet
        held.packetno = packetNumber_++;
        ogg_stream_packetin(&stream_, &held);
        writePages(false);
    }
    std::memcpy(held_, packet.data(), packet.size());
    heldBytes_ = packet.size();
    heldSamples_ = samples;
    holding_ = true;
    end_ += samples;
}

void OggOpusTrack::writePages(bool flush) {
    ogg_page page;
    while (flush ? ogg_stream_flush(&stream_, &page) : ogg_stream_pageout(&stream_, &page)) {
        if (std::fwrite(page.header, 1, static_cast<std::size_t>(page.header_len), file_) !=
                static_cast<std::size_t>(page.header_len) ||
            std::fwrite(page.body, 1, static_cast<std::size_t>(page.body_len), file_) != static_cast<std::size_t>(page.body_len))
            failed_ = true;
        bytes_ += static_cast<std::uint64_t>(page.header_len + page.body_len);
    }
    if (flush && std::fflush(file_) != 0) failed_ = true;  // into the kernel: a crash keeps it
}

void OggOpusTrack::finish() {
    if (finished_) return;
    if (!headersWritten_) writeHeaders(0);
    finished_ = true;
    if (!holding_) {
        // No audio at all: one empty frame, so the stream still ends with a packet.
        const std::uint8_t toc = emptyFrameToc(kShortestFrame, channels_);
        std::memcpy(held_, &toc, 1);
        heldBytes_ = 1;
        end_ += kShortestFrame;
    }
    ogg_packet last{};
    last.packet = held_;
    last.bytes = static_cast<long>(heldBytes_);
    last.granulepos = end_;
    last.packetno = packetNumber_++;
    last.e_o_s = 1;
    ogg_stream_packetin(&stream_, &last);
    holding_ = false;
    writePages(true);
    if (std::fclose(file_) != 0) failed_ = true;
    file_ = nullptr;
}

Expected<std::uint64_t, std::string> repairTrackFile(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) return Unexpected{"cannot open " + path + ": " + std::strerror(errno)};
    ogg_sync_state sync;
    ogg_sync_init(&sync);
    std::uint64_t read = 0;
    std::uint64_t wholePagesEnd = 0;  // the offset just after the last whole page
    std::uint64_t consumed = 0;       // bytes libogg has looked at, pages and skipped junk
    for (;;) {
        ogg_page page;
        long result;
        while ((result = ogg_sync_pageseek(&sync, &page)) != 0) {
            consumed += static_cast<std::uint64_t>(result > 0 ? result : -result);
            if (result > 0) wholePagesEnd = consumed;
        }
        char* buffer = ogg_sync_buffer(&sync, 65536);
        const std::size_t got = std::fread(buffer, 1, 65536, file);
        if (got == 0) break;
        ogg_sync_wrote(&sync, static_cast<long>(got));
        read += got;
    }
    ogg_sync_clear(&sync);
    std::fclose(file);
    if (wholePagesEnd < read && ::truncate(path.c_str(), static_cast<off_t>(wholePagesEnd)) != 0)
        return Unexpected{"cannot truncate " + path + ": " + std::strerror(errno)};
    return wholePagesEnd;
}

}  // namespace samspil::server
