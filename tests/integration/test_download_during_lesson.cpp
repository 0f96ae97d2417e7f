// A recording downloaded from a slow disk while a lesson plays on the same server: the
// server reads recordings' files on a thread of its own, so the lesson's relay does not wait
// for the disk. The disk is made slow by the kernel (a cgroup limiting the server's reads to
// 512 KiB/s, tests/support/disk_throttle.h) and the file is evicted from the page cache
// first; reading it on the service thread stalled every lesson for each piece (tens of ms).
// Measured as the server measures itself: the relay latency histogram in /metrics, its
// p99 before and while the download runs.
#include "disk_throttle.h"
#include "http_get.h"
#include "metrics_scrape.h"
#include "school_fixture.h"
#include "store/database.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

std::vector<std::string> lessonArgs(SchoolFixture& f, const std::string& who, const std::string& hz, int seconds,
                                    std::vector<std::string> extra = {}) {
    const std::string passwordFile = f.dir.file("pw-" + who);
    std::ofstream(passwordFile) << "password-" << who << "\n";
    std::vector<std::string> args{"--server", f.server->url(), "--room", "klaver-1", "--name", who, "--sign-in",
                                  who + "@school", "--password-file", passwordFile, "--tone", hz, "--duration",
                                  std::to_string(seconds)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST_CASE("a recording downloaded from a slow disk during a lesson leaves the lesson's relay as it was",
          "[integration][recording][download]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    // A short recorded lesson gives a recording with a track the teacher may download.
    {
        CliRun teacher(f.dir, "teacher-rec", lessonArgs(f, "teacher", "440", 2, {"--record-lesson"}));
        REQUIRE(teacher.finish() == 0);
    }
    std::int64_t recordingId = 0;
    std::string trackFile;
    for (int attempt = 0; attempt < 100 && trackFile.empty(); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto dbConnection = server::openDatabase(f.server->databasePath());
    auto& db = *dbConnection;
        auto row = db.prepare("SELECT r.id, t.file FROM recordings r JOIN recording_tracks t ON t.recording_id = r.id "
                              "WHERE r.status = 'complete' ORDER BY r.id DESC LIMIT 1");
        if (row.step()) {
            recordingId = row.columnInt(0);
            trackFile = row.columnText(1);
        }
    }
    REQUIRE_FALSE(trackFile.empty());
    const auto recording = f.call("GET", "recordings/" + std::to_string(recordingId), nullptr, f.token["teacher"]);
    REQUIRE(recording.status == 200);
    const std::string downloadPath = recording.body["tracks"][0]["download"].get<std::string>();

    // An hour-long lesson's track, as far as the disk is concerned: 48 MiB, not in the page cache.
    const std::string path =
        (std::filesystem::path(f.server->recordingsDir()) / trackFile).string();
    std::vector<char> bytes(48 << 20);
    std::mt19937 random(5);
    for (auto& byte : bytes) byte = static_cast<char>(random());
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    evictFromPageCache(path);
    DiskThrottle slowDisk(f.server->process().pid(), path, 512 * 1024);
    std::cout << "  the server reads its disk through " << slowDisk.description() << " at 512 KiB/s\n";

    // The lesson: teacher and student hear each other for 9 s.
    CliRun teacher(f.dir, "teacher", lessonArgs(f, "teacher", "440", 9));
    CliRun student(f.dir, "student", lessonArgs(f, "student", "660", 9));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // joined and playing
    const MetricValues quietStart = scrapeMetrics(f.server->port());
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const MetricValues quietEnd = scrapeMetrics(f.server->port());

    // The download, by someone on a fast line: as fast as the server can read.
    ChildProcess download("/usr/bin/curl", {"-s", "-o", f.dir.file("downloaded.opus"), "-H",
                                            "Authorization: Bearer " + f.token["teacher"],
                                            "http://127.0.0.1:" + std::to_string(f.server->port()) + downloadPath},
                          f.dir.path(), f.dir.file("curl"));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const MetricValues busyStart = scrapeMetrics(f.server->port());
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    const MetricValues busyEnd = scrapeMetrics(f.server->port());
    CHECK(teacher.finish() == 0);
    CHECK(student.finish() == 0);
    const auto downloaded = std::filesystem::file_size(f.dir.file("downloaded.opus"));
    download.signal(SIGKILL);
    download.wait(std::chrono::seconds(5));

    const double quietP99 = histogramQuantile(quietStart, quietEnd, "samspil_relay_latency_seconds", 0.99) * 1000;
    const double busyP99 = histogramQuantile(busyStart, busyEnd, "samspil_relay_latency_seconds", 0.99) * 1000;
    const double relayed = sumMetrics(busyEnd, "samspil_relay_latency_seconds_count") -
                           sumMetrics(busyStart, "samspil_relay_latency_seconds_count");
    std::cout << "  relay p99 (bucket bound) before the download " << quietP99 << " ms, during it " << busyP99
              << " ms over " << relayed << " packets; " << downloaded << " bytes downloaded in ~3.5 s\n";
    // The download really ran, slowly, from the disk (not all of it: the disk is slow) ...
    CHECK(downloaded > 512 * 1024);
    CHECK(downloaded < bytes.size());
    std::ifstream got(f.dir.file("downloaded.opus"), std::ios::binary);
    std::vector<char> prefix(downloaded);
    got.read(prefix.data(), static_cast<std::streamsize>(downloaded));
    CHECK(std::equal(prefix.begin(), prefix.end(), bytes.begin()));
    // ... and the relay kept its pace: the same p99 bucket as before (or the next one up, a
    // busy machine's spread), never the tens of ms a read on the relay's thread costs.
    CHECK(relayed > 1000);
    CHECK(busyP99 <= std::max(2.0, quietP99 * 2.5));
}
