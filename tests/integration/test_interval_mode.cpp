// Interval mode across a long line: the teacher starts the room's metronome in interval mode
// (a bar at 120 BPM: 2 s) from samspil-cli; teacher and student each play a click on every
// beat of the grid they receive, the student behind 150 ms of delay each way (the network
// lab). Live they would hear each other 150+ ms off the beat; in interval mode each hears the
// other's clicks exactly on the beat, one interval after they were played. Mid-lesson the
// teacher switches the room back to live: the clicks keep coming (no gap over a bar), now late.
#include "netlab_run.h"
#include "samspil/audio/wav_file.h"
#include "school_fixture.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

using namespace samspil;
using namespace samspil::test;
using nlohmann::json;

namespace {

constexpr std::int64_t kBeatUs = 500'000;      // 120 BPM
constexpr std::int64_t kIntervalUs = 2'000'000;  // a bar of 4

// When (server clock, µs) each click of `wav` was played: the listener's recordings start
// at recording_start_server_us.
std::vector<std::int64_t> clicksHeardAt(const std::string& wav, const json& listener) {
    const auto audio = readWavFile(wav);
    REQUIRE(audio);
    const std::int64_t start = listener["recording_start_server_us"].get<std::int64_t>();
    std::vector<std::int64_t> times;
    for (std::size_t onset : sampleOnsets(audio->channel(0), 0.25f, 4800))
        times.push_back(start + static_cast<std::int64_t>(onset) * 1'000'000 / 48000);
    return times;
}

// How far `t` is from the nearest beat of a grid whose beat 0 is at `gridStart` (µs, signed).
std::int64_t offBeat(std::int64_t t, std::int64_t gridStart) {
    std::int64_t off = (t - gridStart) % kBeatUs;
    if (off < 0) off += kBeatUs;
    return off > kBeatUs / 2 ? off - kBeatUs : off;
}

// The single WAV a listener recorded of the other player.
std::string onlyRecording(const std::string& folder) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) files.push_back(entry.path().string());
    REQUIRE(files.size() == 1);
    return files[0];
}

}  // namespace

TEST_CASE("interval mode over 150 ms each way: each hears the other's clicks on the beat one interval later, and back to live",
          "[integration][metronome][interval][netlab]") {
    SchoolInTheLab setup(150);
    SchoolFixture& f = setup.school;
    Lab& lab = setup.lab;
    const auto player = [&](const std::string& who, std::vector<std::string> extra) {
        std::vector<std::string> args{"--server", f.server->url(), "--room", "klaver-1", "--name", who, "--token", f.token.at(who),
                                      "--play-on-click", "--record", f.dir.file("heard-by-" + who), "--duration", "10", "--stats"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    // The student is in the room before the teacher starts the grid, so each hears all of
    // the other's playing from its first beat on.
    CliRun student(f.dir, "student", player("student", {"--duration", "11.5"}), lab.clientSide());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CliRun teacher(f.dir, "teacher", player("teacher", {"--metronome", "120/4", "--interval-bars", "1", "--live-after", "5"}),
                   lab.serverSide());
    REQUIRE(student.finish() == 0);
    REQUIRE(teacher.finish() == 0);
    lab.stop();
    CHECK(student.stats()["rtt_ms"].get<double>() >= 300.0);

    for (const auto& [listener, name, other] : {std::tuple{&teacher, std::string("teacher"), std::string("student")},
                                                 std::tuple{&student, std::string("student"), std::string("teacher")}}) {
        const json& stats = listener->stats();
        const json& grids = stats["metronome_grids"];
        REQUIRE(grids.size() >= 2);
        const json& interval = grids[0];
        const json& live = grids[grids.size() - 1];
        REQUIRE(interval["interval_bars"] == 1);
        REQUIRE(live["interval_bars"] == 0);
        const std::int64_t intervalStart = interval["start_server_us"].get<std::int64_t>();
        const std::int64_t liveStart = live["start_server_us"].get<std::int64_t>();
        CHECK((liveStart - intervalStart) % (4 * kBeatUs) == 0);  // the switch is on a bar line

        const auto heard = clicksHeardAt(onlyRecording(f.dir.file("heard-by-" + name)), stats);
        REQUIRE(!heard.empty());
        // The other started playing on beat 0 of the grid; it is heard one interval later, on the beat.
        const std::int64_t firstLate = heard.front() - intervalStart - kIntervalUs;
        std::cout << "interval mode: " << name << " first hears the " << other << " " << static_cast<double>(firstLate) / 1000.0
                  << " ms after the grid's start + one interval; off the beat (ms):";
        CHECK(std::llabs(firstLate) <= 2000);
        int onBeat = 0;
        std::int64_t widestGap = 0;
        for (std::size_t i = 0; i < heard.size(); ++i) {
            if (i > 0) widestGap = std::max(widestGap, heard[i] - heard[i - 1]);
            if (heard[i] >= liveStart) continue;
            const std::int64_t off = offBeat(heard[i], intervalStart);
            std::cout << " " << static_cast<double>(off) / 1000.0;
            CHECK(std::llabs(off) <= 2000);
            ++onBeat;
        }
        // Back to live: the other's clicks still come, now a network trip and a buffer late.
        std::vector<std::int64_t> lateLive;
        for (std::int64_t t : heard)
            if (t >= liveStart + kBeatUs) lateLive.push_back(offBeat(t, intervalStart));
        std::cout << "\ninterval mode: " << name << " heard " << onBeat << " clicks on the beat; after the switch to live " << lateLive.size()
                  << " more, " << (lateLive.empty() ? 0.0 : static_cast<double>(lateLive.front()) / 1000.0) << " ms off the beat; widest gap "
                  << static_cast<double>(widestGap) / 1000.0 << " ms\n";
        CHECK(onBeat >= 6);
        CHECK(lateLive.size() >= 3);
        for (std::int64_t off : lateLive) CHECK(std::llabs(off) > 20'000);  // live over 150 ms: heard off the beat
        CHECK(widestGap <= 4 * kBeatUs + 100'000);  // no gap over a bar when the mode switches
    }
}
