// Opus round trips at every frame size Samspil sends, compared as audio.
#include "samspil/audio/opus_codec.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace samspil;
using namespace samspil::test;

namespace {

// Encodes and decodes `input` (mono or interleaved stereo) frame by frame; returns the decoded audio.
std::vector<float> roundTrip(const std::vector<float>& input, int channels, int frameSamples, int bitrate,
                             std::vector<int>* packetSizes = nullptr) {
    auto encoder = OpusStreamEncoder::create({channels, frameSamples, bitrate, 5, 8});
    REQUIRE(encoder);
    auto decoder = OpusStreamDecoder::create(channels);
    REQUIRE(decoder);
    std::vector<float> output;
    std::vector<std::uint8_t> packet(1275);
    std::vector<float> frame(static_cast<std::size_t>(frameSamples * channels));
    const std::size_t step = static_cast<std::size_t>(frameSamples * channels);
    for (std::size_t at = 0; at + step <= input.size(); at += step) {
        const int bytes = encoder->encode(input.data() + at, packet);
        REQUIRE(bytes > 0);
        if (packetSizes) packetSizes->push_back(bytes);
        CHECK(opusPacketSamples({packet.data(), static_cast<std::size_t>(bytes)}) == frameSamples);
        const int samples = decoder->decode({packet.data(), static_cast<std::size_t>(bytes)}, frame.data(), frameSamples);
        REQUIRE(samples == frameSamples);
        output.insert(output.end(), frame.begin(), frame.end());
    }
    return output;
}

}  // namespace

TEST_CASE("a tone survives Opus at 2.5, 5, 10 and 20 ms frames (correlation > 0.9)", "[opus]") {
    const auto tone = makeTone(440.0, 0.5, 48000);
    for (int frameSamples : {120, 240, 480, 960}) {
        CAPTURE(frameSamples);
        const auto decoded = roundTrip(tone, 1, frameSamples, 64000);
        // Restricted low delay adds 2.5 ms of codec delay; find it rather than assume it.
        CHECK(align(tone, 4800, 38400, decoded, 0, 480).correlation > 0.9);
    }
}

TEST_CASE("the codec adds its documented 2.5 ms of delay and no more", "[opus]") {
    // A melody, unlike a steady tone, has only one alignment that fits.
    const auto melody = makeMelody(0.1, 4, 0.2, 0.1, 0.5);
    for (int frameSamples : {120, 240, 480, 960}) {
        CAPTURE(frameSamples);
        const auto decoded = roundTrip(melody, 1, frameSamples, 64000);
        const auto alignment = align(melody, 4800, 33600, decoded, 0, 960);
        CHECK(alignment.correlation > 0.9);
        CHECK(alignment.lag == kOpusCodecDelaySamples);
    }
    auto encoder = OpusStreamEncoder::create({1, 240, 64000, 5, 8});
    REQUIRE(encoder);
    CHECK(encoder->lookaheadSamples() == kOpusCodecDelaySamples);
}

TEST_CASE("stereo keeps its two channels apart", "[opus]") {
    const auto left = makeTone(330.0, 0.5, 48000);
    const auto right = makeTone(660.0, 0.5, 48000);
    std::vector<float> stereo(96000);
    for (std::size_t i = 0; i < 48000; ++i) {
        stereo[2 * i] = left[i];
        stereo[2 * i + 1] = right[i];
    }
    const auto decoded = roundTrip(stereo, 2, 240, 128000);
    std::vector<float> decodedLeft(decoded.size() / 2), decodedRight(decoded.size() / 2);
    for (std::size_t i = 0; i < decodedLeft.size(); ++i) {
        decodedLeft[i] = decoded[2 * i];
        decodedRight[i] = decoded[2 * i + 1];
    }
    CHECK(align(left, 4800, 38400, decodedLeft, 0, 480).correlation > 0.9);
    CHECK(align(right, 4800, 38400, decodedRight, 0, 480).correlation > 0.9);
    CHECK(align(left, 4800, 38400, decodedRight, 0, 480).correlation < 0.5);
}

TEST_CASE("the bitrate setting changes the packet size", "[opus]") {
    const auto tone = makeTone(440.0, 0.5, 24000);
    std::vector<int> low, high;
    roundTrip(tone, 1, 240, 24000, &low);
    roundTrip(tone, 1, 240, 128000, &high);
    double lowMean = 0, highMean = 0;
    for (int v : low) lowMean += v;
    for (int v : high) highMean += v;
    lowMean /= static_cast<double>(low.size());
    highMean /= static_cast<double>(high.size());
    CHECK(lowMean == Approx(24000.0 / 8 / 200).epsilon(0.35));
    CHECK(highMean > 3 * lowMean);
}

TEST_CASE("restricted low delay produces CELT packets, which carry no in-band FEC", "[opus]") {
    auto encoder = OpusStreamEncoder::create({1, 240, 64000, 10, 8});
    REQUIRE(encoder);
    const auto tone = makeTone(440.0, 0.5, 240);
    std::vector<std::uint8_t> packet(1275);
    const int bytes = encoder->encode(tone.data(), packet);
    REQUIRE(bytes > 0);
    CHECK_FALSE(opusPacketMayCarryFec({packet.data(), static_cast<std::size_t>(bytes)}));
    const std::uint8_t silkToc[] = {0x08};  // config 1: SILK narrowband 20 ms
    CHECK(opusPacketMayCarryFec(silkToc));
}

TEST_CASE("concealment fills lost frames with audio that continues the tone", "[opus]") {
    auto encoder = OpusStreamEncoder::create({1, 240, 64000, 5, 8});
    auto decoder = OpusStreamDecoder::create(1);
    REQUIRE(encoder);
    REQUIRE(decoder);
    const auto tone = makeTone(440.0, 0.5, 240 * 40);
    std::vector<std::uint8_t> packet(1275);
    std::vector<float> out(240);
    for (int frame = 0; frame < 39; ++frame) {
        const int bytes = encoder->encode(tone.data() + frame * 240, packet);
        REQUIRE(bytes > 0);
        REQUIRE(decoder->decode({packet.data(), static_cast<std::size_t>(bytes)}, out.data(), 240) == 240);
    }
    // Frame 39 is lost: PLC output has the energy of the tone, not silence.
    REQUIRE(decoder->conceal(out.data(), 240) == 240);
    CHECK(rms(out, 0, 240) > 0.1);
    const int bytes = encoder->encode(tone.data() + 39 * 240, packet);
    CHECK(decoder->decodeFromNext({packet.data(), static_cast<std::size_t>(bytes)}, out.data(), 240) == 240);
}

TEST_CASE("unsupported settings are refused with a reason", "[opus]") {
    CHECK_FALSE(OpusStreamEncoder::create({3, 240, 64000, 5, 8}));
    CHECK_FALSE(OpusStreamEncoder::create({1, 256, 64000, 5, 8}));
    CHECK_FALSE(OpusStreamDecoder::create(0));
    CHECK(frameSamplesForMilliseconds(2.5) == 120);
    CHECK(frameSamplesForMilliseconds(20) == 960);
    CHECK(frameSamplesForMilliseconds(3) == 0);
    auto decoder = OpusStreamDecoder::create(1);
    REQUIRE(decoder);
    std::vector<float> out(960);
    const std::uint8_t junk[] = {0xFF, 0xFF, 0xFF};
    CHECK(decoder->decode(junk, out.data(), 960) < 0);
    CHECK(opusPacketSamples({}) == 0);
}
