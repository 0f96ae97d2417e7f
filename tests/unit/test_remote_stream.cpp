// A remote participant's audio end to end inside one process: Opus encode, a jittery
// and lossy line, the jitter buffer, decoding, and playout in sound-card-sized blocks.
#include "samspil/audio/opus_codec.h"
#include "samspil/audio/remote_stream.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace samspil;
using namespace samspil::test;

namespace {

struct LineResult {
    std::vector<float> heard;  // left channel
    JitterBufferStats stats;
};

// Sends `source` in frames of frameSamples over a line with the given jitter and loss;
// plays out in blocks of blockFrames (the receiver's audio callback).
LineResult sendOverLine(const std::vector<float>& source, int frameSamples, int blockFrames, std::int64_t jitterUs,
                        double lossRate) {
    auto encoder = OpusStreamEncoder::create({1, frameSamples, 96000, 5, 8});
    REQUIRE(encoder);
    RemoteStreamSettings settings;
    settings.maxBlockFrames = blockFrames;
    auto stream = RemoteStream::create(settings);
    REQUIRE(stream);

    std::mt19937 random(3);
    std::uniform_real_distribution<double> unit(0, 1);
    struct InFlight {
        std::int64_t arrivalUs;
        MediaSlot slot;
    };
    std::vector<InFlight> line;
    const double frameUs = frameSamples * 1e6 / 48000.0;
    for (std::size_t at = 0, n = 0; at + static_cast<std::size_t>(frameSamples) <= source.size();
         at += static_cast<std::size_t>(frameSamples), ++n) {
        InFlight packet;
        const int bytes = encoder->encode(source.data() + at, packet.slot.payload);
        REQUIRE(bytes > 0);
        if (unit(random) < lossRate) continue;
        packet.slot.length = static_cast<std::uint16_t>(bytes);
        packet.slot.header = {0, 1, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(at)};
        packet.arrivalUs = static_cast<std::int64_t>((static_cast<double>(n) + 1) * frameUs) + 1000 +
                           static_cast<std::int64_t>(unit(random) * static_cast<double>(jitterUs));
        packet.slot.arrivalUs = packet.arrivalUs;
        line.push_back(packet);
    }
    std::stable_sort(line.begin(), line.end(), [](auto& a, auto& b) { return a.arrivalUs < b.arrivalUs; });

    LineResult result;
    std::vector<float> block(static_cast<std::size_t>(blockFrames) * 2);
    std::size_t next = 0;
    const double blockUs = blockFrames * 1e6 / 48000.0;
    for (int k = 1; result.heard.size() < source.size() + 48000; ++k) {
        const auto now = static_cast<std::int64_t>(k * blockUs);
        while (next < line.size() && line[next].arrivalUs <= now) stream->insert(line[next++].slot);
        stream->render(block.data(), blockFrames, now);
        for (int i = 0; i < blockFrames; ++i) result.heard.push_back(block[static_cast<std::size_t>(2 * i)]);
    }
    result.stats = stream->stats();
    return result;
}

}  // namespace

TEST_CASE("music over a jittery line comes out whole, in any block size", "[jitter][opus][stream]") {
    const auto melody = makeMelody(0.2, 8, 0.25, 0.2, 0.6);
    for (int blockFrames : {64, 128, 240, 441, 1024}) {
        CAPTURE(blockFrames);
        const LineResult result = sendOverLine(melody, 240, blockFrames, 2000, 0.0);
        const auto onset = findOnset(result.heard, 0.05f);
        REQUIRE(onset);
        const long coarse = static_cast<long>(*onset) - static_cast<long>(*findOnset(melody, 0.05f));
        const Alignment alignment = align(melody, 9600, 96000, result.heard, coarse - 480, coarse + 480);
        CHECK(alignment.correlation > 0.9);
        CHECK(result.stats.lost == 0);
    }
}

TEST_CASE("5% loss is concealed and the music is still recognisably there", "[jitter][opus][stream]") {
    const auto melody = makeMelody(0.2, 8, 0.5, 0.2, 0.6);
    const LineResult result = sendOverLine(melody, 240, 128, 1500, 0.05);
    CHECK(result.stats.lost > 10);
    CHECK(result.stats.concealed() >= result.stats.lost);
    const auto onset = findOnset(result.heard, 0.05f);
    REQUIRE(onset);
    const long coarse = static_cast<long>(*onset) - static_cast<long>(*findOnset(melody, 0.05f));
    const Alignment alignment = align(melody, 9600, 172800, result.heard, coarse - 480, coarse + 480);
    CHECK(alignment.correlation > 0.7);
    // No hole: concealment fills lost frames, so no 5 ms stretch inside the melody is silent.
    const auto start = static_cast<std::size_t>(static_cast<long>(9600) + alignment.lag);
    CHECK(longestQuietRun(result.heard, start, start + 172800, 0.01f) < 240);
}

TEST_CASE("2.5 ms frames work the same way", "[jitter][opus][stream]") {
    const auto melody = makeMelody(0.2, 4, 0.25, 0.2, 0.6);
    const LineResult result = sendOverLine(melody, 120, 128, 500, 0.0);
    const long coarse = static_cast<long>(*findOnset(result.heard, 0.05f)) - static_cast<long>(*findOnset(melody, 0.05f));
    CHECK(align(melody, 9600, 38400, result.heard, coarse - 480, coarse + 480).correlation > 0.9);
}
