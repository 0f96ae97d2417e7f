// The desktop app's recording player, without a sound card: a test thread plays the audio
// thread's part. It plays what the file holds (left and right apart), seeks, and ends.
#include "opus_tools.h"
#include "recording_player.h"
#include "signal_analysis.h"
#include "samspil/audio/wav_file.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <thread>

using samspil::desktop::RecordingPlayer;
using namespace samspil::test;

namespace {

// A 3 s stereo Ogg Opus file: 440 Hz on the left, 660 Hz on the right (opusenc, 128 kbit/s).
std::string stereoRecording(const TempDir& dir) {
    samspil::AudioBuffer wav{2, 48000, {}};
    for (int i = 0; i < 3 * 48000; ++i) {
        wav.samples.push_back(0.4f * static_cast<float>(std::sin(2 * M_PI * 440 * i / 48000.0)));
        wav.samples.push_back(0.4f * static_cast<float>(std::sin(2 * M_PI * 660 * i / 48000.0)));
    }
    REQUIRE(samspil::writeWavFile(dir.file("tones.wav"), wav));
    REQUIRE(runTool(dir, "opusenc", {"--quiet", "--bitrate", "128", dir.file("tones.wav"), dir.file("tones.opus")}) == 0);
    return dir.file("tones.opus");
}

// Pulls `frames` through the player in device blocks of 256, as the audio thread would,
// waiting `between` after each block (a sound card waits 5.3 ms; faster pulls test more).
void pull(RecordingPlayer& player, std::vector<float>& left, std::vector<float>& right, int frames,
          std::chrono::microseconds between = std::chrono::microseconds(300)) {
    for (int done = 0; done < frames && !player.reachedEnd(); done += 256) {
        std::vector<float> l(256, 0.0f), r(256, 0.0f);
        player.addTo(l.data(), r.data(), 256);
        left.insert(left.end(), l.begin(), l.end());
        right.insert(right.end(), r.begin(), r.end());
        std::this_thread::sleep_for(between);
    }
}

}  // namespace

TEST_CASE("the recording player plays the file's left and right, seeks, and stops at the end", "[unit][recording]") {
    TempDir dir;
    RecordingPlayer player;
    const auto length = player.open(stereoRecording(dir));
    REQUIRE(length);
    CHECK(*length == Approx(3.0).margin(0.03));

    // Paused: nothing is added.
    std::vector<float> left, right;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pull(player, left, right, 4096);
    CHECK(rms(left, 0, left.size()) == 0.0);

    // Playing: the tones, each on its side, with no gap.
    left.clear();
    right.clear();
    player.play();
    pull(player, left, right, 48000);
    REQUIRE(left.size() >= 48000);
    const double leftAt440 = toneAmplitude(left, 4800, 38400, 440), leftAt660 = toneAmplitude(left, 4800, 38400, 660);
    const double rightAt660 = toneAmplitude(right, 4800, 38400, 660);
    INFO("left 440 " << leftAt440 << ", left 660 " << leftAt660 << ", right 660 " << rightAt660);
    CHECK(leftAt440 > 0.3);
    CHECK(rightAt660 > 0.3);
    CHECK(leftAt660 < 0.02);
    std::size_t quietBlocks = 0;  // 10 ms blocks without sound: the decoder fell behind
    for (std::size_t at = 960; at + 480 <= left.size(); at += 480) quietBlocks += rms(left, at, 480) < 0.05 ? 1 : 0;
    CHECK(quietBlocks == 0);
    CHECK(player.positionSeconds() == Approx(1.0).margin(0.03));

    // A seek to 2 s: what follows is the last second, then the end.
    player.seek(2.0);
    CHECK(player.positionSeconds() == Approx(2.0).margin(0.001));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    left.clear();
    right.clear();
    pull(player, left, right, 96000, std::chrono::microseconds(256 * 1'000'000 / 48000));  // at a sound card's pace
    CHECK(player.reachedEnd());
    CHECK_FALSE(player.isPlaying());
    // What sounds is the last second, within 100 ms of the seek (pulled at a sound card's
    // pace: under a sanitizer on a busy machine the decoder took 7–30 ms to start again).
    std::size_t sounding = 0, firstSound = left.size();
    for (std::size_t at = 0; at + 256 <= left.size(); at += 256)
        if (rms(left, at, 256) >= 0.05) {
            sounding += 256;
            firstSound = std::min(firstSound, at);
        }
    CHECK(firstSound < 48000 / 10);
    CHECK(static_cast<double>(sounding) == Approx(48000).margin(512));
    CHECK(player.positionSeconds() == Approx(3.0).margin(0.03));

    // Play after the end starts again at the beginning.
    player.play();
    CHECK(player.positionSeconds() < 0.01);
}

TEST_CASE("the recording player refuses a file that is not Ogg Opus with a sentence", "[unit][recording]") {
    TempDir dir;
    REQUIRE(samspil::writeWavFile(dir.file("a.wav"), samspil::AudioBuffer{1, 48000, std::vector<float>(4800, 0.1f)}));
    RecordingPlayer player;
    const auto opened = player.open(dir.file("a.wav"));
    REQUIRE_FALSE(opened);
    CHECK(opened.error().find("not an Ogg Opus file") != std::string::npos);
    CHECK_FALSE(player.open(dir.file("missing.opus")));
}
