// What samspil-cli "plays into its microphone": a sine tone, a WAV file, or silence (for
// --play-on-click alone, whose clicks the media loop adds).
#pragma once

#include "samspil/base/expected.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace samspil::cli {

class AudioSource {
public:
    virtual ~AudioSource() = default;
    /// Fills frames × channels interleaved samples with the next stretch of audio.
    virtual void fill(float* interleaved, int frames, int channels) = 0;
};

/// A continuous sine.
class ToneSource : public AudioSource {
public:
    ToneSource(double hz, double level) : hz_(hz), level_(level) {}
    void fill(float* interleaved, int frames, int channels) override;

private:
    double hz_;
    double level_;
    std::size_t position_ = 0;
};

/// Nothing: a player whose only sound is their clicks.
class SilenceSource : public AudioSource {
public:
    void fill(float* interleaved, int frames, int channels) override;
};

/// A WAV file played once, then silence. Mono files are copied to every channel;
/// stereo files are mixed down for a mono stream.
class WavSource : public AudioSource {
public:
    /// Loads the file; it must be 48 kHz.
    [[nodiscard]] static Expected<std::unique_ptr<WavSource>, std::string> load(const std::string& path);
    void fill(float* interleaved, int frames, int channels) override;

private:
    int fileChannels_ = 1;
    std::vector<float> samples_;
    std::size_t frame_ = 0;
};

}  // namespace samspil::cli
