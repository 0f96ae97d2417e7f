#include "audio_source.h"

#include "samspil/audio/wav_file.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace samspil::cli {

void ToneSource::fill(float* interleaved, int frames, int channels) {
    for (int i = 0; i < frames; ++i, ++position_) {
        const double phase = 2.0 * std::numbers::pi * hz_ * static_cast<double>(position_) / 48000.0;
        const auto sample = static_cast<float>(level_ * std::sin(phase));
        for (int c = 0; c < channels; ++c) interleaved[i * channels + c] = sample;
    }
}

void SilenceSource::fill(float* interleaved, int frames, int channels) {
    std::fill(interleaved, interleaved + frames * channels, 0.0f);
}

Expected<std::unique_ptr<WavSource>, std::string> WavSource::load(const std::string& path) {
    auto audio = readWavFile(path);
    if (!audio) return Unexpected{audio.error()};
    if (audio->sampleRate != 48000)
        return Unexpected{path + " is " + std::to_string(audio->sampleRate) +
                          " Hz; Samspil sends 48 kHz (convert it: sox in.wav -r 48000 out.wav)"};
    auto source = std::unique_ptr<WavSource>(new WavSource());
    source->fileChannels_ = audio->channels;
    source->samples_ = std::move(audio->samples);
    return source;
}

void WavSource::fill(float* interleaved, int frames, int channels) {
    const std::size_t fileFrames = samples_.size() / static_cast<std::size_t>(fileChannels_);
    for (int i = 0; i < frames; ++i, ++frame_) {
        for (int c = 0; c < channels; ++c) {
            float value = 0.0f;
            if (frame_ < fileFrames) {
                const float* in = &samples_[frame_ * static_cast<std::size_t>(fileChannels_)];
                if (channels == 1 && fileChannels_ > 1) {
                    for (int k = 0; k < fileChannels_; ++k) value += in[k];
                    value /= static_cast<float>(fileChannels_);
                } else {
                    value = in[std::min(c, fileChannels_ - 1)];
                }
            }
            interleaved[i * channels + c] = value;
        }
    }
}

}  // namespace samspil::cli
