// Video across the network lab, as a student at home meets it: the teacher films the test
// pattern beside the server, the student watches across a line that drops from 20 Mbit/s to
// 300 kbit/s — hardly more than the audio needs — for five seconds, then comes back. What
// the student relies on: the teacher's voice goes on through it (video gives way: fewer or no
// pictures), and the picture is back within 3 s of the line, starting from a keyframe.
// Real parts: samspil-server and two samspil-cli (libvpx, the UDP path) in the lab's
// namespaces. Needs root (namespaces, TUN), like CI.
#include "samspil/audio/wav_file.h"
#include "netlab_run.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>

using namespace samspil;
using namespace samspil::test;

namespace {

// Pictures whose time (µs on the monotonic clock) lies in [fromS, toS) of the lab's run.
std::size_t picturesBetween(const nlohmann::json& times, std::int64_t startUs, double fromS, double toS) {
    return static_cast<std::size_t>(std::count_if(times.begin(), times.end(), [&](const nlohmann::json& t) {
        const double atS = static_cast<double>(t.get<std::int64_t>() - startUs) / 1e6;
        return atS >= fromS && atS < toS;
    }));
}

}  // namespace

TEST_CASE("video across a line that drops to 300 kbit/s: fewer pictures while the voice goes on, the picture back "
          "within 3 s of the line, from a keyframe",
          "[integration][netlab][video]") {
    TempDir dir;
    constexpr double kDropAtS = 7, kDropForS = 5;
    Lab lab(dir, {"--profile", "lan", "--rate-kbps", "20000", "--rate-drop", "7:5:300"});
    TestServer server(dir, labServerArgs(), 0, true, lab.serverSide());
    CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "video", "--name", "Lise", "--tone", "440",
                                    "--video", "test-pattern", "--video-max", "360p30", "--duration", "20"},
                   lab.serverSide());
    CliRun student(dir, "student", {"--server", server.url(), "--room", "video", "--name", "Ida", "--watch", "large",
                                    "--record", dir.file("heard"), "--duration", "20"},
                   lab.clientSide());
    CHECK(student.finish() == 0);
    CHECK(teacher.finish() == 0);
    const auto figures = lab.stop();
    const std::int64_t startUs = figures["start_monotonic_us"].get<std::int64_t>();
    CHECK(server.stop() == 0);

    REQUIRE(student.stats()["video"]["received"].size() == 1);
    const auto& seen = student.stats()["video"]["received"][0];
    const auto& pictures = seen["picture_local_us"];
    const auto& keyframes = seen["keyframe_local_us"];
    const double before = static_cast<double>(picturesBetween(pictures, startUs, kDropAtS - 3, kDropAtS)) / 3;
    const double during = static_cast<double>(picturesBetween(pictures, startUs, kDropAtS + 0.5, kDropAtS + kDropForS)) /
                          (kDropForS - 0.5);
    const double lineBackS = kDropAtS + kDropForS;
    // Back: the first second after the line's return with at least half the pictures of before.
    double backAtS = -1;
    for (double at = lineBackS; at < lineBackS + 5 && backAtS < 0; at += 0.1)
        if (static_cast<double>(picturesBetween(pictures, startUs, at, at + 1)) >= before / 2) backAtS = at;
    // Where the pictures stopped (a gap of 0.7 s or more around the drop), the first one after
    // must be a keyframe: a picture starts again whole, never from a broken reference.
    std::vector<double> pictureS, keyframeS;
    for (const auto& t : pictures) pictureS.push_back(static_cast<double>(t.get<std::int64_t>() - startUs) / 1e6);
    for (const auto& t : keyframes) keyframeS.push_back(static_cast<double>(t.get<std::int64_t>() - startUs) / 1e6);
    int restarts = 0, restartsFromKeyframes = 0;
    for (std::size_t i = 1; i < pictureS.size(); ++i)
        if (pictureS[i] - pictureS[i - 1] >= 0.7 && pictureS[i] >= kDropAtS && pictureS[i] <= lineBackS + 3) {
            ++restarts;
            restartsFromKeyframes += std::find(keyframeS.begin(), keyframeS.end(), pictureS[i]) != keyframeS.end();
        }
    const auto& heard = *student.peerNamed("Lise");
    std::cout << "  pictures a second: " << before << " before the drop, " << during << " during it; back to half of "
              << "that " << backAtS - lineBackS << " s after the line; " << restarts << " restart(s) after a gap, "
              << restartsFromKeyframes << " from a keyframe; the voice: received " << heard["received"] << ", lost "
              << heard["lost"] << ", concealed " << heard["concealed"] << "\n";
    CHECK(before >= 10);          // the teacher's camera at 15-30 pictures a second
    CHECK(during < before / 2);   // video gives way on the weak line
    REQUIRE(backAtS > 0);
    CHECK(backAtS - lineBackS <= 3.0);
    CHECK(restartsFromKeyframes == restarts);

    // The voice went on through it: a tone without a silence, nearly every window matching.
    const auto recording = readWavFile(dir.file("heard/Lise.wav"));
    REQUIRE(recording);
    const auto samples = recording->channel(0);
    const auto onset = findOnset(samples, 0.05f);
    REQUIRE(onset);
    const std::size_t gap = longestQuietRun(samples, *onset, samples.size() - 4800, 0.05f);
    const auto match = compareWithTone(samples, 440, 15);
    std::cout << "  the voice across the drop: longest silence " << static_cast<double>(gap) / 48.0
              << " ms, correlation " << match.medianCorrelation << ", " << match.fractionAbove * 100 << " % of windows\n";
    CHECK(gap < 48 * 150);
    CHECK(match.medianCorrelation > 0.9);
    CHECK(match.fractionAbove > 0.75);
}
