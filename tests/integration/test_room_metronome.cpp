// The room's metronome with two real samspil-cli clients: one starts it, both play its
// clicks (recorded from what each client plays), and every click leaves on the server's
// grid. On one machine the server and the clients share the monotonic clock, so the grid's
// instants are known exactly and each click's error against them is measured.
#include "samspil/core/wav_file.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

// When each click of a recording left the client (local µs), from its onsets.
std::vector<std::int64_t> clickTimes(const std::string& wav, std::int64_t recordingStartUs) {
    const auto audio = readWavFile(wav);
    REQUIRE(audio);
    const auto left = audio->channel(0);
    std::vector<std::int64_t> times;
    for (std::size_t at = 0; at < left.size();) {
        const auto onset = firstSampleAbove(left, 0.02f, at);
        if (!onset) break;
        times.push_back(recordingStartUs + static_cast<std::int64_t>(*onset) * 1'000'000 / 48000);
        at = *onset + 4800;
    }
    return times;
}

}  // namespace

TEST_CASE("the room's metronome: two clients click on the server's grid and together", "[integration][metronome]") {
    TempDir dir;
    TestServer server(dir);
    CliRun leader(dir, "leader", {"--server", server.url(), "--room", "band", "--name", "Leader", "--metronome", "150/4",
                                  "--record-output", dir.file("leader.wav"), "--duration", "8"});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    CliRun follower(dir, "follower", {"--server", server.url(), "--room", "band", "--name", "Follower", "--frame-ms", "2.5",
                                      "--record-output", dir.file("follower.wav"), "--duration", "6"});
    REQUIRE(follower.finish() == 0);
    REQUIRE(leader.finish() == 0);

    // The grid both clients heard from the server.
    const auto& grid = leader.stats()["metronome"];
    REQUIRE(grid.is_object());
    CHECK(follower.stats()["metronome"]["start_server_us"] == grid["start_server_us"]);
    CHECK(grid["set_by"] == "Leader");
    const auto start = grid["start_server_us"].get<std::int64_t>();
    const double beatUs = 60e6 / grid["bpm"].get<double>();
    CHECK(beatUs == Approx(400'000));

    // Each click against the nearest grid instant (the server's clock is this host's).
    std::map<std::int64_t, std::map<std::string, std::int64_t>> byBeat;  // beat → client → when
    for (const auto& [name, run] : {std::pair<std::string, CliRun*>{"leader", &leader}, {"follower", &follower}}) {
        const auto times = clickTimes(dir.file(name + ".wav"), run->stats()["recording_start_local_us"].get<std::int64_t>());
        std::vector<double> errorsUs;
        for (const std::int64_t t : times) {
            const auto beat = std::llround(static_cast<double>(t - start) / beatUs);
            const double errorUs = static_cast<double>(t - start) - static_cast<double>(beat) * beatUs;
            errorsUs.push_back(errorUs);
            std::cout << (errorsUs.size() == 1 ? "room metronome: " + name + " errors (ms):" : std::string()) << " " << errorUs / 1000;
            byBeat[beat][name] = t;
            CHECK(beat >= 0);
        }
        std::cout << "\n";
        REQUIRE(errorsUs.size() >= 8);
        std::vector<double> sorted = errorsUs;
        std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return std::fabs(a) < std::fabs(b); });
        const double worst = std::fabs(sorted.back()), median = std::fabs(sorted[sorted.size() / 2]);
        const auto offset = run->stats()["stream_epoch_server_us"].get<std::int64_t>() -
                            run->stats()["stream_epoch_local_us"].get<std::int64_t>();
        std::cout << "room metronome: " << name << " played " << errorsUs.size() << " clicks, |error| median "
                  << median / 1000 << " ms, worst " << worst / 1000 << " ms; its clock offset estimate " << offset
                  << " µs (truth 0)\n";
        CHECK(worst <= 1500.0);
        CHECK(std::llabs(offset) < 500);
        // The clock offset estimate over the run, against the truth (0: one host, one clock).
        auto estimates = run->stats()["clock_offset_us_each_second"].get<std::vector<std::int64_t>>();
        REQUIRE(estimates.size() >= 4);
        for (auto& e : estimates) e = std::llabs(e);
        std::sort(estimates.begin(), estimates.end());
        const auto p50 = estimates[estimates.size() / 2];
        const auto p99 = estimates[std::min(estimates.size() - 1, estimates.size() * 99 / 100)];
        std::cout << "room metronome: " << name << "'s clock offset error over " << estimates.size() << " s: p50 " << p50
                  << " µs, p99 " << p99 << " µs\n";
        CHECK(p99 < 500);
    }
    // Beat by beat, the two clients together.
    int shared = 0;
    double widest = 0;
    for (const auto& [beat, times] : byBeat) {
        if (times.size() != 2) continue;
        ++shared;
        widest = std::max(widest, std::fabs(static_cast<double>(times.at("leader") - times.at("follower"))));
    }
    std::cout << "room metronome: " << shared << " beats played by both, widest spread " << widest / 1000 << " ms\n";
    CHECK(shared >= 8);
    CHECK(widest <= 1500.0);
}
