// A recorded lesson's mix: every track where it was played, at the level the room heard
// it, on both sides, never clipping, as a stereo Ogg Opus file Opus's tools accept.
#include "opus_tools.h"
#include "recording/ogg_opus_track.h"
#include "recording/recording_mix.h"
#include "samspil/audio/opus_codec.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace samspil;
using namespace samspil::server;
using samspil::test::TempDir;

namespace {

// A track of a tone from `fromSeconds` to `toSeconds` on the recording's timeline, `seconds` long.
std::string toneTrack(const TempDir& dir, const std::string& name, double hz, double level, double fromSeconds,
                      double toSeconds, double seconds) {
    auto encoder = OpusStreamEncoder::create({});
    REQUIRE(encoder);
    const auto tone = test::makeTone(hz, level, static_cast<std::size_t>((toSeconds - fromSeconds) * 48000));
    const std::string path = dir.file(name);
    auto track = OggOpusTrack::create(path, 1, 1, "");
    REQUIRE(track);
    const auto start = static_cast<std::int64_t>(fromSeconds * 48000);
    for (std::size_t at = 0; at + 240 <= tone.size(); at += 240) {
        std::uint8_t packet[1275];
        const int length = encoder->encode(tone.data() + at, packet);
        REQUIRE(length > 0);
        (*track)->write(start + static_cast<std::int64_t>(at), {packet, static_cast<std::size_t>(length)}, static_cast<std::int64_t>(at));
    }
    (*track)->padTo(static_cast<std::int64_t>(seconds * 48000));
    (*track)->finish();
    return path;
}

// The amplitude of a sine of `hz` in `seconds` of audio from `fromSeconds`.
double toneAmplitude(const std::vector<float>& audio, double fromSeconds, double seconds, double hz) {
    REQUIRE(static_cast<std::size_t>((fromSeconds + seconds) * 48000) <= audio.size());
    return test::toneAmplitude(audio, static_cast<std::size_t>(fromSeconds * 48000), static_cast<std::size_t>(seconds * 48000), hz);
}

}  // namespace

TEST_CASE("the mix holds every track where it was played, at the level the room heard it", "[recording][mix]") {
    TempDir dir;
    const auto a = toneTrack(dir, "a.opus", 440, 0.4, 0.5, 2.5, 3.0);
    const auto b = toneTrack(dir, "b.opus", 660, 0.4, 1.0, 3.0, 3.0);
    auto length = mixTracks({a, b}, dir.file("mix.opus"));
    REQUIRE(length);
    CHECK(*length >= 3 * 48000);
    CHECK(test::runTool(dir, "opusinfo", {dir.file("mix.opus")}) == 0);
    const auto mix = test::decodeOggOpus(dir, dir.file("mix.opus"));
    REQUIRE(mix);
    REQUIRE(mix->size() >= 3 * 48000 - 960);
    // The first alone, then both, then the second alone.
    CHECK(toneAmplitude(*mix, 0.6, 0.3, 440) == Approx(0.4).epsilon(0.1));
    CHECK(toneAmplitude(*mix, 0.6, 0.3, 660) < 0.01);
    CHECK(toneAmplitude(*mix, 1.2, 1.0, 440) == Approx(0.4).epsilon(0.1));
    CHECK(toneAmplitude(*mix, 1.2, 1.0, 660) == Approx(0.4).epsilon(0.1));
    CHECK(toneAmplitude(*mix, 2.6, 0.3, 440) < 0.01);
    CHECK(toneAmplitude(*mix, 2.6, 0.3, 660) == Approx(0.4).epsilon(0.1));
    CHECK(test::rms(*mix, 0, 23000) < 1e-3);  // nobody before half a second
}

TEST_CASE("a loud lesson's mix is brought under full scale instead of clipping", "[recording][mix]") {
    TempDir dir;
    const auto a = toneTrack(dir, "a.opus", 440, 0.8, 0.0, 2.0, 2.0);
    const auto b = toneTrack(dir, "b.opus", 441, 0.8, 0.0, 2.0, 2.0);  // in phase most of the time: up to 1.6
    REQUIRE(mixTracks({a, b}, dir.file("mix.opus")));
    const auto mix = test::decodeOggOpus(dir, dir.file("mix.opus"));
    REQUIRE(mix);
    float peak = 0;
    for (const float sample : *mix) peak = std::max(peak, std::fabs(sample));
    CHECK(peak < 1.0f);
    CHECK(peak > 0.8f);  // loud, just not clipped
}

TEST_CASE("a mix gives up when the server stops, instead of holding the stop up", "[recording][mix]") {
    TempDir dir;
    const auto a = toneTrack(dir, "a.opus", 440, 0.4, 0.0, 2.0, 2.0);
    const std::atomic<bool> stopping{true};
    const auto stopped = mixTracks({a}, dir.file("mix.opus"), &stopping);
    REQUIRE_FALSE(stopped);
    CHECK(stopped.error() == "stopped");
    const std::atomic<bool> running{false};
    CHECK(mixTracks({a}, dir.file("mix2.opus"), &running));
}
