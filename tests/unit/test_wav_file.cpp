// WAV in and out.
#include "samspil/audio/wav_file.h"
#include "process.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

using namespace samspil;
using namespace samspil::test;

TEST_CASE("a streamed WAV reads back as the same audio", "[wav]") {
    TempDir dir;
    const auto tone = makeTone(1000, 0.8, 4800);
    WavWriter writer;
    REQUIRE(writer.open(dir.file("a.wav"), 1, 48000));
    writer.writeSilence(480);
    writer.write(tone.data(), tone.size());
    writer.close();

    auto audio = readWavFile(dir.file("a.wav"));
    REQUIRE(audio);
    CHECK(audio->channels == 1);
    CHECK(audio->sampleRate == 48000);
    REQUIRE(audio->frames() == 5280);
    CHECK(rms(audio->samples, 0, 480) == 0.0);
    CHECK(correlation(tone, 0, audio->samples, 480, 4800) > 0.9999);
}

TEST_CASE("stereo WAV keeps its channels and bad files are refused with a reason", "[wav]") {
    TempDir dir;
    AudioBuffer stereo;
    stereo.channels = 2;
    stereo.samples = {0.5f, -0.5f, 0.25f, -0.25f};
    REQUIRE(writeWavFile(dir.file("s.wav"), stereo));
    auto back = readWavFile(dir.file("s.wav"));
    REQUIRE(back);
    CHECK(back->channel(1)[0] == Approx(-0.5f).margin(1e-4));

    CHECK_FALSE(readWavFile(dir.file("missing.wav")));
    std::FILE* f = std::fopen(dir.file("junk.wav").c_str(), "wb");
    std::fputs("RIFF....WAVEjunk", f);
    std::fclose(f);
    auto junk = readWavFile(dir.file("junk.wav"));
    REQUIRE_FALSE(junk);
    CHECK(junk.error().find("fmt") != std::string::npos);
}
