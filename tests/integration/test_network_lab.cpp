// Lessons across the network lab (devtools/netlab): the server in the lab's "server side"
// namespace, a student in the "client side" one, every packet between them through the
// lab's line. What a user relies on: the student is heard as played across a city line
// (and the delay really is the line's), and after an outage the sound comes back by
// itself. Speed is the benchmark's business (bench/netlab-figures.sh), not asserted here.
// Needs root (namespaces, TUN), like CI.
#include "samspil/audio/wav_file.h"
#include "signal_analysis.h"
#include "netlab_run.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <regex>

#include <unistd.h>

using namespace samspil;
using namespace samspil::test;

namespace {


void printLab(const nlohmann::json& figures) {
    for (const char* way : {"client_to_server", "server_to_client"})
        std::cout << "  lab " << way << ": forwarded " << figures[way]["forwarded"] << ", dropped " << figures[way]["dropped"].dump()
                  << ", its own added delay p50/p99/max " << figures[way]["forwarder_lateness_us"]["p50"] << "/"
                  << figures[way]["forwarder_lateness_us"]["p99"] << "/" << figures[way]["forwarder_lateness_us"]["max"] << " µs\n";
}

// A student across the lab plays a melody to a teacher beside the server. Returns the
// match of what the teacher heard against what was played, and both runs' reports.
struct MelodyLesson {
    WindowedMatch match;
    nlohmann::json teacher;   // the teacher's --stats report
    nlohmann::json student;
    nlohmann::json lab;       // the lab's closing figures
};

MelodyLesson playMelodyAcross(const TempDir& dir, Lab& lab, const TestServer& server) {
    const auto melody = makeMelody(1.5, 8, 0.3, 0.8, 0.5);
    AudioBuffer file;
    file.samples = melody;
    REQUIRE(writeWavFile(dir.file("melody.wav"), file));
    const std::string duration = std::to_string(static_cast<double>(melody.size()) / 48000.0 + 0.3);
    // The teacher sits beside the server; the student is across the line.
    CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "lab", "--name", "Teacher", "--record",
                                    dir.file("heard"), "--duration", duration}, lab.serverSide());
    CliRun student(dir, "student", {"--server", server.url(), "--room", "lab", "--name", "Student", "--send",
                                    dir.file("melody.wav"), "--duration", duration}, lab.clientSide());
    CHECK(student.finish() == 0);
    CHECK(teacher.finish() == 0);
    MelodyLesson lesson{{}, teacher.stats(), student.stats(), lab.stop()};
    printLab(lesson.lab);

    const auto recording = readWavFile(dir.file("heard/Student.wav"));
    REQUIRE(recording);
    const auto samples = recording->channel(0);
    const std::size_t sentOnset = *findOnset(melody, 0.05f);
    const auto heardOnset = findOnset(samples, 0.05f);
    REQUIRE(heardOnset);
    const long lag = static_cast<long>(*heardOnset) - static_cast<long>(sentOnset);
    lesson.match = compareWindowed(melody, sentOnset, static_cast<std::size_t>(8 * 0.3 * 48000), samples, lag, 2400, 960, 0.9);
    return lesson;
}

const nlohmann::json* peerIn(const nlohmann::json& report, const std::string& name) {
    for (const auto& peer : report["peers"])
        if (peer.value("name", "") == name) return &peer;
    return nullptr;
}

}  // namespace

TEST_CASE("network lab: a student across a city line is heard as played, 10 ms further away", "[integration][netlab]") {
    TempDir dir;
    Lab lab(dir, {"--profile", "city", "--seed", "3"});
    TestServer server(dir, labServerArgs(), 0, true, lab.serverSide());
    REQUIRE(server.url().find("10.77.0.2") != std::string::npos);

    const MelodyLesson lesson = playMelodyAcross(dir, lab, server);
    CHECK(lesson.lab["client_to_server"]["forwarded"].get<int>() > 300);  // the student's audio crossed the lab
    const auto* heard = peerIn(lesson.teacher, "Student");
    REQUIRE(heard != nullptr);
    const WindowedMatch& match = lesson.match;
    const auto& mouthToEar = (*heard)["mouth_to_ear_ms"];
    std::cout << "  student -> teacher across city: correlation " << match.medianCorrelation << " (" << match.windows
              << " windows), mouth-to-ear p50 " << mouthToEar["p50"] << " ms (min " << mouthToEar["min"] << "), concealed "
              << (*heard)["concealed"] << "\n";
    CHECK(match.medianCorrelation > 0.9);
    CHECK(match.fractionAbove > 0.8);
    // The line's 10 ms ± 2 is in what the teacher hears: no packet can be earlier than 8 ms.
    CHECK(mouthToEar["min"].get<double>() >= 8.0);
    CHECK(mouthToEar["p50"].get<double>() < 10.0 + 60.0);
    CHECK(server.stop() == 0);
}

TEST_CASE("network lab: after a 1.5 s outage on a country line the student is heard again by itself", "[integration][netlab]") {
    TempDir dir;
    Lab lab(dir, {"--profile", "country", "--outage", "4:1.5"});
    TestServer server(dir, labServerArgs(), 0, true, lab.serverSide());
    CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "lab", "--name", "Teacher", "--record",
                                    dir.file("heard"), "--duration", "11"}, lab.serverSide());
    CliRun student(dir, "student", {"--server", server.url(), "--room", "lab", "--name", "Student", "--tone", "440",
                                    "--duration", "11"}, lab.clientSide());
    CHECK(student.finish() == 0);
    CHECK(teacher.finish() == 0);
    const auto figures = lab.stop();
    printLab(figures);
    CHECK(figures["client_to_server"]["dropped"]["outage"].get<int>() > 5);  // the outage happened (TCP stops sending soon)

    const auto recording = readWavFile(dir.file("heard/Student.wav"));
    REQUIRE(recording);
    const auto samples = recording->channel(0);
    const auto onset = findOnset(samples, 0.05f);
    REQUIRE(onset);
    REQUIRE(samples.size() > *onset + 48000 * 8);
    const std::size_t gap = longestQuietRun(samples, *onset, samples.size(), 0.05f);
    const std::size_t lastSecond = samples.size() - 48000 - 4800;  // before the student left
    std::cout << "  outage of 1.5 s: the teacher heard silence for " << static_cast<double>(gap) / 48.0
              << " ms at most; the last second's level " << rms(samples, lastSecond, 48000) << "\n";
    CHECK(gap >= 48000);             // the outage was heard (the lab really cut the line) …
    CHECK(rms(samples, lastSecond, 48000) > 0.2);  // … and the tone came back without anyone doing anything
    // On the UDP path: it fell back when the line went quiet and returned by itself, with
    // no storm of reconnections.
    const auto& udp = student.stats()["udp"];
    std::cout << "  student's UDP path: " << udp.dump() << ", reconnects " << student.stats()["reconnects"] << "\n";
    CHECK(udp["state"] == "up");
    CHECK(udp["fallbacks"].get<int>() >= 1);
    CHECK(udp["returns"].get<int>() >= 1);
    CHECK(student.stats()["reconnects"].get<int>() <= 1);
    CHECK(server.stop() == 0);
}

TEST_CASE("network lab: behind a firewall that blocks UDP the lesson runs on the WebSocket from the start", "[integration][netlab][udp]") {
    TempDir dir;
    Lab lab(dir, {"--profile", "udp-blocked", "--seed", "5"});
    TestServer server(dir, labServerArgs(), 0, true, lab.serverSide());
    const MelodyLesson lesson = playMelodyAcross(dir, lab, server);
    // The student's hellos were stopped by the firewall, and no media was ever sent by UDP.
    const int blocked = lesson.lab["client_to_server"]["dropped"]["udp_blocked"].get<int>();
    CHECK(blocked >= 5);
    CHECK(blocked <= 12);  // 1 s of hellos, then one probe per 10 s
    const auto& udp = lesson.student["udp"];
    std::cout << "  student's UDP path: " << udp.dump() << "\n";
    CHECK(udp["state"] == "down");
    CHECK(udp["fallbacks"] == 1);
    CHECK(udp["media_sent"] == 0);
    // And the teacher heard the whole melody, on the WebSocket.
    std::cout << "  student -> teacher with UDP blocked: correlation " << lesson.match.medianCorrelation << "\n";
    CHECK(lesson.match.medianCorrelation > 0.9);
    CHECK(lesson.match.fractionAbove > 0.8);
    CHECK(server.stop() == 0);
}

namespace {

// Total time (ms) of 10 ms windows quieter than `threshold` RMS in [start, end).
double quietMs(const std::vector<float>& samples, std::size_t start, std::size_t end, float threshold) {
    double quiet = 0;
    for (std::size_t at = start; at + 480 <= end; at += 480)
        if (rms(samples, at, 480) < threshold) quiet += 10;
    return quiet;
}

}  // namespace

TEST_CASE("network lab: UDP that breaks in one direction only costs at most the first 300 ms, each way",
          "[integration][netlab][udp]") {
    const std::string way = GENERATE(as<std::string>{}, "up", "down");
    INFO("UDP dropped " << (way == "up" ? "from the student to the server" : "from the server to the student"));
    TempDir dir;
    // A working UDP path on a city line, until from second 4 a one-way firewall (or a NAT that
    // lost its mapping) drops every datagram in one direction.
    Lab lab(dir, {"--profile", "city", "--seed", "4", "--block-udp", "--block-udp-way", way, "--block-udp-from", "4"});
    TestServer server(dir, labServerArgs(), 0, true, lab.serverSide());
    CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "lab", "--name", "Teacher", "--tone", "660",
                                    "--record", dir.file("heard-by-teacher"), "--duration", "14"}, lab.serverSide());
    CliRun student(dir, "student", {"--server", server.url(), "--room", "lab", "--name", "Student", "--tone", "440",
                                    "--record", dir.file("heard-by-student"), "--duration", "14"}, lab.clientSide());
    CHECK(student.finish() == 0);
    CHECK(teacher.finish() == 0);
    const auto figures = lab.stop();
    printLab(figures);
    const char* blockedWay = way == "up" ? "client_to_server" : "server_to_client";
    CHECK(figures[blockedWay]["dropped"]["udp_blocked"].get<int>() > 10);  // the path broke

    for (const auto& [file, listener] : {std::pair{dir.file("heard-by-teacher/Student.wav"), std::string("teacher")},
                                         std::pair{dir.file("heard-by-student/Teacher.wav"), std::string("student")}}) {
        const auto recording = readWavFile(file);
        REQUIRE(recording);
        const auto samples = recording->channel(0);
        const auto onset = findOnset(samples, 0.05f);
        REQUIRE(onset);
        // From 1 s after the sound began (well before the break) to half a second before the end.
        const std::size_t from = *onset + 48000, to = samples.size() - 24000;
        REQUIRE(to > from + 48000 * 8);
        const double longest = static_cast<double>(longestQuietRun(samples, from, to, 0.05f)) / 48.0;
        const double total = quietMs(samples, from, to, 0.05f);
        const double lastSeconds = quietMs(samples, to - 48000 * 4, to, 0.05f);
        std::cout << "  UDP dropped " << way << ": the " << listener << " heard silence for " << longest
                  << " ms at most, " << total << " ms in all, " << lastSeconds << " ms in the last 4 s\n";
        CHECK(longest <= 450);      // the first 300 ms (and the jitter buffer's moment to start again)
        CHECK(total <= 600);        // and nothing more later: no second loss when it probes again
        CHECK(lastSeconds == 0);
    }
    const auto& udp = student.stats()["udp"];
    std::cout << "  student's UDP path: " << udp.dump() << "\n";
    CHECK(udp["state"] != "up");      // it stayed on the WebSocket after the break
    CHECK(udp["fallbacks"].get<int>() >= 1);
    CHECK(server.stop() == 0);
}
