#include "samspil/audio/wav_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

namespace samspil {
namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatFloat = 3;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}
std::uint16_t le16(const unsigned char* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
void put32(unsigned char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put16(unsigned char* p, std::uint16_t v) {
    p[0] = static_cast<unsigned char>(v);
    p[1] = static_cast<unsigned char>(v >> 8);
}

float decodeSample(const unsigned char* p, std::uint16_t format, int bits) {
    if (format == kFormatFloat) {
        float value;
        std::uint32_t raw = le32(p);
        std::memcpy(&value, &raw, sizeof value);
        return std::isfinite(value) ? value : 0.0f;
    }
    switch (bits) {
        case 8: return (static_cast<float>(p[0]) - 128.0f) / 128.0f;
        case 16: return static_cast<float>(static_cast<std::int16_t>(le16(p))) / 32768.0f;
        case 24: {
            std::int32_t v = static_cast<std::int32_t>((std::uint32_t{p[0]} << 8) | (std::uint32_t{p[1]} << 16) |
                                                       (std::uint32_t{p[2]} << 24)) >> 8;
            return static_cast<float>(v) / 8388608.0f;
        }
        default: return static_cast<float>(static_cast<std::int32_t>(le32(p))) / 2147483648.0f;
    }
}

void fillHeader(unsigned char* header, int channels, int sampleRate, std::uint64_t frames) {
    const std::uint32_t dataBytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        frames * static_cast<std::uint64_t>(channels) * 2, 0xFFFFFFFFull - 36));
    std::memcpy(header, "RIFF", 4);
    put32(header + 4, 36 + dataBytes);
    std::memcpy(header + 8, "WAVEfmt ", 8);
    put32(header + 16, 16);
    put16(header + 20, kFormatPcm);
    put16(header + 22, static_cast<std::uint16_t>(channels));
    put32(header + 24, static_cast<std::uint32_t>(sampleRate));
    put32(header + 28, static_cast<std::uint32_t>(sampleRate * channels * 2));
    put16(header + 32, static_cast<std::uint16_t>(channels * 2));
    put16(header + 34, 16);
    std::memcpy(header + 36, "data", 4);
    put32(header + 40, dataBytes);
}

}  // namespace

std::vector<float> AudioBuffer::channel(int index) const {
    std::vector<float> out(frames());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = samples[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(index)];
    return out;
}

Expected<AudioBuffer, std::string> readWavFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected{"cannot open " + path};
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0)
        return Unexpected{path + " is not a RIFF/WAVE file"};

    std::uint16_t format = 0;
    int channels = 0, sampleRate = 0, bits = 0;
    const unsigned char* data = nullptr;
    std::size_t dataBytes = 0;
    for (std::size_t at = 12; at + 8 <= bytes.size();) {
        const unsigned char* chunk = bytes.data() + at;
        const std::size_t size = le32(chunk + 4);
        const std::size_t available = std::min(size, bytes.size() - at - 8);
        if (std::memcmp(chunk, "fmt ", 4) == 0 && available >= 16) {
            format = le16(chunk + 8);
            channels = le16(chunk + 10);
            sampleRate = static_cast<int>(le32(chunk + 12));
            bits = le16(chunk + 22);
            if (format == kFormatExtensible && available >= 26) format = le16(chunk + 32);
        } else if (std::memcmp(chunk, "data", 4) == 0) {
            data = chunk + 8;
            dataBytes = available;  // a truncated recording keeps what is there
        }
        at += 8 + size + (size & 1);
    }
    if (!data || channels < 1 || channels > 8 || sampleRate <= 0)
        return Unexpected{path + " has no usable fmt/data chunks"};
    if (!(format == kFormatPcm && (bits == 8 || bits == 16 || bits == 24 || bits == 32)) &&
        !(format == kFormatFloat && bits == 32))
        return Unexpected{path + ": only PCM 8/16/24/32-bit and float 32-bit WAV are supported"};

    AudioBuffer audio;
    audio.channels = channels;
    audio.sampleRate = sampleRate;
    const std::size_t step = static_cast<std::size_t>(bits / 8);
    const std::size_t count = dataBytes / step;
    audio.samples.resize(count - count % static_cast<std::size_t>(channels));
    for (std::size_t i = 0; i < audio.samples.size(); ++i) audio.samples[i] = decodeSample(data + i * step, format, bits);
    return audio;
}

Expected<bool, std::string> writeWavFile(const std::string& path, const AudioBuffer& audio) {
    WavWriter writer;
    if (!writer.open(path, audio.channels, audio.sampleRate)) return Unexpected{writer.error()};
    writer.write(audio.samples.data(), audio.frames());
    writer.close();
    if (!writer.error().empty()) return Unexpected{writer.error()};
    return true;
}

WavWriter::~WavWriter() {
    close();
}

bool WavWriter::open(const std::string& path, int channels, int sampleRate) {
    close();
    error_.clear();
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) {
        error_ = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    channels_ = channels;
    frames_ = 0;
    unsigned char header[44];
    fillHeader(header, channels, sampleRate, 0);
    std::fwrite(header, 1, sizeof header, file_);
    // Remember the rate in the header we rewrite on close.
    scratch_.clear();
    scratch_.reserve(4096);
    sampleRate_ = sampleRate;
    return true;
}

void WavWriter::write(const float* interleaved, std::size_t frames) {
    if (!file_) return;
    const std::size_t count = frames * static_cast<std::size_t>(channels_);
    scratch_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        const float clipped = std::clamp(interleaved[i], -1.0f, 1.0f);
        scratch_[i] = static_cast<std::int16_t>(std::lrint(clipped * 32767.0f));
    }
    if (std::fwrite(scratch_.data(), sizeof(std::int16_t), count, file_) != count && error_.empty())
        error_ = std::string("write failed: ") + std::strerror(errno);
    frames_ += frames;
}

void WavWriter::writeSilence(std::size_t frames) {
    if (!file_) return;
    static const std::int16_t zeros[1024] = {};
    std::size_t remaining = frames * static_cast<std::size_t>(channels_);
    while (remaining > 0) {
        const std::size_t chunk = std::min<std::size_t>(remaining, 1024);
        std::fwrite(zeros, sizeof(std::int16_t), chunk, file_);
        remaining -= chunk;
    }
    frames_ += frames;
}

void WavWriter::close() {
    if (!file_) return;
    unsigned char header[44];
    fillHeader(header, channels_, sampleRate_, frames_);
    std::fseek(file_, 0, SEEK_SET);
    std::fwrite(header, 1, sizeof header, file_);
    if (std::fclose(file_) != 0 && error_.empty()) error_ = std::string("close failed: ") + std::strerror(errno);
    file_ = nullptr;
}

}  // namespace samspil
