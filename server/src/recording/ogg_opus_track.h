// OggOpusTrack: one participant's Opus packets, exactly as the server received them,
// written into an Ogg Opus file (RFC 7845) with libogg — no decoding, no re-encoding.
// The file's timeline is the recording's: a packet goes where its media timestamp puts it
// (the caller maps timestamps to samples since the recording started), and gaps — before
// the participant's first packet, losses, a muted or paused sender — are filled: up to
// 20 ms with empty frames that decoders conceal as a listener's did, beyond that with
// encoded silence, so every track of a recording lines up with the others from sample 0.
// Gaps can only be filled in whole 2.5 ms frames, so the headers wait for the first packet:
// its place to the sample (also a packet that began just before the recording did) goes
// into the pre-skip. Pages go to the file every half second, so a crash leaves a file that
// plays up to within a second of it (repairTrackFile() trims a torn page).
// Used by one thread at a time (the recorder thread).
#pragma once

#include "samspil/base/expected.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <ogg/ogg.h>

namespace samspil::server {

class OggOpusTrack {
public:
    /// Creates the file (which must not exist); the OpusHead and OpusTags pages follow with
    /// the first packet, padTo() or finish().
    /// serial: the Ogg stream serial number; comment: one "KEY=value" for OpusTags.
    static Expected<std::unique_ptr<OggOpusTrack>, std::string> create(const std::string& path, int channels,
                                                                       std::uint32_t serial, const std::string& comment);
    ~OggOpusTrack();  ///< finish() if not done
    OggOpusTrack(const OggOpusTrack&) = delete;
    OggOpusTrack& operator=(const OggOpusTrack&) = delete;

    /// One packet whose first sample belongs at `position` (48 kHz samples since the
    /// recording started; a first packet may begin before 0, and keeps what it holds after
    /// 0). Packets from before the track's end so far (duplicates, late reordered ones) and
    /// invalid packets are skipped and counted. nowUs: for flushing.
    void write(std::int64_t position, std::span<const std::uint8_t> opus, std::int64_t nowUs);
    /// Fills the track with silence up to `position` (the end of the recording).
    void padTo(std::int64_t position);
    /// Ends the stream (the last page carries end-of-stream) and closes the file.
    void finish();

    /// Samples in the track so far (its end on the recording's timeline).
    std::int64_t length() const { return end_ - lead_; }
    std::uint64_t packetsWritten() const { return packets_; }
    /// Bytes of Ogg pages written to the file so far.
    std::uint64_t bytesWritten() const { return bytes_; }
    std::uint64_t packetsSkipped() const { return skipped_; }
    bool failed() const { return failed_; }

private:
    OggOpusTrack(std::FILE* file, int channels, std::uint32_t serial, std::string comment);
    void writeHeaders(std::int64_t lead);
    void submit(std::span<const std::uint8_t> packet, std::int64_t samples);
    void fillGap(std::int64_t samples);
    void writePages(bool flush);

    std::FILE* file_;
    int channels_;
    std::array<std::vector<std::uint8_t>, 4> silence_;  // encoded silence of 20, 10, 5 and 2.5 ms
    ogg_stream_state stream_{};
    std::string comment_;
    bool headersWritten_ = false;
    std::int64_t lead_ = 0;           // samples in the stream before the recording's sample 0 (pre-skipped)
    std::int64_t end_ = 0;            // samples in the stream so far: recording position + lead_
    std::int64_t packetNumber_ = 0;
    std::int64_t lastFlushUs_ = 0;
    std::uint64_t packets_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t skipped_ = 0;
    bool finished_ = false;
    bool failed_ = false;
    // The newest packet is held back one step, so that finish() can mark it end-of-stream.
    std::uint8_t held_[1500] = {};
    std::size_t heldBytes_ = 0;
    std::int64_t heldSamples_ = 0;
    bool holding_ = false;
};

/// After a crash: cuts a track file back to its last whole Ogg page (a page torn by the
/// crash would stop some players early). Returns the bytes kept, or an error.
Expected<std::uint64_t, std::string> repairTrackFile(const std::string& path);

}  // namespace samspil::server
