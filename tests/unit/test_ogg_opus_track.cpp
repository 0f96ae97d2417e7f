// The recorder's Ogg Opus track writer: files that Opus's own tools accept, that decode
// to what was sent at the place on the recording's timeline where it was sent, with gaps
// kept as silence, and that survive a crash up to their last second.
#include "opus_tools.h"
#include "process.h"
#include "recording/ogg_opus_track.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/audio/wav_file.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

using namespace samspil;
using namespace samspil::server;
using samspil::test::runTool;
using samspil::test::TempDir;

namespace {

// `audio` as 5 ms Opus packets.
std::vector<std::vector<std::uint8_t>> encodePackets(const std::vector<float>& tone) {
    auto encoder = OpusStreamEncoder::create({});
    REQUIRE(encoder);
    std::vector<std::vector<std::uint8_t>> packets;
    for (std::size_t at = 0; at + 240 <= tone.size(); at += 240) {
        std::vector<std::uint8_t> packet(1275);
        const int length = encoder->encode(tone.data() + at, packet);
        REQUIRE(length > 0);
        packet.resize(static_cast<std::size_t>(length));
        packets.push_back(std::move(packet));
    }
    return packets;
}

// `seconds` of a 440 Hz tone as 5 ms Opus packets.
std::vector<std::vector<std::uint8_t>> tonePackets(double seconds) {
    return encodePackets(test::makeTone(440, 0.5, static_cast<std::size_t>(seconds * 48000)));
}

std::vector<float> decode(const TempDir& dir, const std::string& track) {
    auto audio = test::decodeOggOpus(dir, track);
    REQUIRE(audio);
    return *audio;
}

}  // namespace

TEST_CASE("a recorded track is an Ogg Opus file that plays what was sent where it was sent, gaps as silence", "[recording]") {
    TempDir dir;
    const std::string path = dir.file("track.opus");
    auto created = OggOpusTrack::create(path, 1, 7, "SAMSPIL_TRACK=1");
    REQUIRE(created);
    auto& track = **created;
    const auto packets = tonePackets(3.0);
    // The participant's first packet belongs half a second into the recording; 100 ms of
    // packets from 1.5 s on never arrived; one packet comes twice; from 2 s to 3 s the
    // participant sent nothing (muted).
    const auto sent = [](std::size_t n) { return !(n >= 200 && n < 220) && !(n >= 300 && n < 500); };
    std::uint64_t written = 0;
    for (std::size_t n = 0; n < packets.size(); ++n) {
        if (!sent(n)) continue;
        const std::int64_t position = 24000 + static_cast<std::int64_t>(n) * 240;
        track.write(position, packets[n], static_cast<std::int64_t>(n) * 5000);
        ++written;
        if (n == 50) track.write(position, packets[n], static_cast<std::int64_t>(n) * 5000);
    }
    track.padTo(4 * 48000);
    track.finish();
    CHECK_FALSE(track.failed());
    CHECK(track.packetsWritten() == written);
    CHECK(track.packetsSkipped() == 1);

    CHECK(runTool(dir, "opusinfo", {path}) == 0);
    CHECK(runTool(dir, "ffprobe", {"-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path}) == 0);
    const double probed = std::stod(samspil::test::readFile(dir.file("ffprobe.stdout")));
    CHECK(probed == Approx(4.0).margin(0.01));

    const auto audio = decode(dir, path);
    REQUIRE(audio.size() >= 4 * 48000 - 240);
    // Silence until the participant's audio starts, at 0.5 s within a millisecond.
    const auto onset = test::findOnset(audio, 0.05f);
    REQUIRE(onset);
    CHECK(std::abs(static_cast<double>(*onset) - 24000.0) < 48.0);
    CHECK(test::rms(audio, 0, 23000) < 1e-3);
    // The tone, where it was sent: before the loss, between the loss and the pause, after it.
    const auto reference = test::makeTone(440, 0.5, 3 * 48000);
    auto tonePlaysFrom = [&](std::size_t fromPacket, std::size_t toPacket) {
        const std::size_t from = fromPacket * 240 + 2400;
        return test::correlation(reference, from, audio, 24000 + from, (toPacket - fromPacket) * 240 - 4800);
    };
    CHECK(tonePlaysFrom(0, 200) > 0.95);
    CHECK(tonePlaysFrom(220, 300) > 0.95);
    CHECK(tonePlaysFrom(500, 600) > 0.95);
    // The pause is silence once the decoder's concealment has faded (it continues the
    // sound briefly, as a listener's would over a lost packet), up to the codec's overlap
    // before the sound resumes.
    CHECK(test::rms(audio, 24000 + 300 * 240 + 9600, 200 * 240 - 9600 - 480) < 1e-3);
}

TEST_CASE("a track is placed to the sample, also when its first packet began before the recording did", "[recording]") {
    // A musician's clicks, 250 ms apart from sample 1000 of their stream. Their stream's
    // first packet lands at an odd place (a sender's clock owes nothing to 2.5 ms frames),
    // or starts before the recording did (a take begins on a bar line, mid-packet).
    std::vector<float> clicks(48000, 0.0f);
    for (std::size_t at = 1000; at + 48 < clicks.size(); at += 12000)
        for (std::size_t n = 0; n < 48; ++n) clicks[at + n] = (n % 2 ? -0.8f : 0.8f);
    const auto packets = encodePackets(clicks);
    for (const std::int64_t firstPosition : {std::int64_t{1037}, std::int64_t{-1100}, std::int64_t{-3}}) {
        TempDir dir;
        const std::string path = dir.file("track.opus");
        auto created = OggOpusTrack::create(path, 1, 3, "");
        REQUIRE(created);
        // One packet wholly before the recording's start comes first, and is left out.
        (*created)->write(firstPosition - 2400, packets[0], 0);
        for (std::size_t n = 0; n < packets.size(); ++n)
            (*created)->write(firstPosition + static_cast<std::int64_t>(n) * 240, packets[n], 0);
        (*created)->padTo(60000);
        (*created)->finish();
        CHECK((*created)->length() == Approx(60000).margin(120));
        const auto audio = decode(dir, path);
        const auto onsets = test::sampleOnsets(audio, 0.3f, 4800);
        std::vector<double> expected;  // the clicks played after the recording's start
        for (std::int64_t at = firstPosition + 1000; at < firstPosition + 48000; at += 12000)
            if (at >= 0) expected.push_back(static_cast<double>(at));
        INFO("first packet at " << firstPosition);
        REQUIRE(onsets.size() == expected.size());
        for (std::size_t k = 0; k < onsets.size(); ++k) CHECK(std::abs(static_cast<double>(onsets[k]) - expected[k]) <= 3.0);
    }
}

TEST_CASE("a track cut off by a crash plays up to its last second once its torn page is trimmed", "[recording]") {
    TempDir dir;
    const std::string path = dir.file("track.opus");
    auto created = OggOpusTrack::create(path, 1, 9, "");
    REQUIRE(created);
    const auto packets = tonePackets(3.0);
    for (std::size_t n = 0; n < packets.size(); ++n)
        (*created)->write(static_cast<std::int64_t>(n) * 240, packets[n], static_cast<std::int64_t>(n) * 5000);
    // What a kill -9 leaves: the bytes written so far, and a page torn in the middle.
    const std::string crashed = dir.file("crashed.opus");
    std::filesystem::copy_file(path, crashed);
    const auto size = std::filesystem::file_size(crashed);
    std::filesystem::resize_file(crashed, size - 100);

    auto kept = repairTrackFile(crashed);
    REQUIRE(kept);
    CHECK(*kept < size - 100);
    CHECK(std::filesystem::file_size(crashed) == *kept);
    const auto audio = decode(dir, crashed);
    CHECK(audio.size() >= 2 * 48000);  // within a second of the 3 s written (pages go out every 0.5 s)
    const auto reference = test::makeTone(440, 0.5, 3 * 48000);
    CHECK(test::correlation(reference, 4800, audio, 4800, 48000) > 0.95);
    // A whole file is left as it is.
    (*created)->finish();
    const auto whole = std::filesystem::file_size(path);
    auto untouched = repairTrackFile(path);
    REQUIRE(untouched);
    CHECK(*untouched == whole);
}
