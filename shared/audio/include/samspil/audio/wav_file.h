// WAV files: read a whole file to floats, or stream frames out to a 16-bit PCM file.
// (RIFF/WAVE is simple enough that a dependency would be larger than this file.)
#pragma once

#include "samspil/base/expected.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace samspil {

/// Decoded audio: interleaved floats in [-1, 1].
struct AudioBuffer {
    int channels = 1;
    int sampleRate = 48000;
    std::vector<float> samples;  ///< frames × channels

    std::size_t frames() const { return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0; }
    /// One channel as its own vector.
    std::vector<float> channel(int index) const;
};

/// Reads PCM 8/16/24/32-bit or float 32-bit WAV (plain or WAVE_FORMAT_EXTENSIBLE).
[[nodiscard]] Expected<AudioBuffer, std::string> readWavFile(const std::string& path);

/// Writes a whole buffer as 16-bit PCM WAV.
[[nodiscard]] Expected<bool, std::string> writeWavFile(const std::string& path, const AudioBuffer& audio);

/// Streams frames into a 16-bit PCM WAV file; the header is completed on close().
/// Not for an audio callback (it writes to disk).
class WavWriter {
public:
    WavWriter() = default;
    WavWriter(const WavWriter&) = delete;
    WavWriter& operator=(const WavWriter&) = delete;
    ~WavWriter();

    /// Creates the file. False (and error() says why) when it cannot.
    bool open(const std::string& path, int channels, int sampleRate);
    /// Appends frames (frames × channels interleaved floats, clipped to [-1, 1]).
    void write(const float* interleaved, std::size_t frames);
    /// Appends frames of silence.
    void writeSilence(std::size_t frames);
    /// Fixes the header sizes and closes the file.
    void close();

    bool isOpen() const { return file_ != nullptr; }
    std::uint64_t framesWritten() const { return frames_; }
    const std::string& error() const { return error_; }

private:
    std::FILE* file_ = nullptr;
    int channels_ = 1;
    int sampleRate_ = 48000;
    std::uint64_t frames_ = 0;
    std::vector<std::int16_t> scratch_;
    std::string error_;
};

}  // namespace samspil
