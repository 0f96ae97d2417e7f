// A lesson with real audio: the student waits, unheard, until the teacher lets them in;
// a mute stops their audio reaching the others within 100 ms, and an unmute brings it back.
// The participants are samspil-cli processes signed in through the API; the teacher's
// controls come from a raw WebSocket so the test knows exactly when they were sent.
#include "raw_websocket.h"
#include "samspil/time/clock.h"
#include "samspil/audio/wav_file.h"
#include "school_fixture.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <thread>

using namespace samspil;
using namespace samspil::test;
using nlohmann::json;

namespace {

constexpr float kAudible = 0.05f;

std::vector<std::string> signedInCli(SchoolFixture& f, const std::string& who, std::vector<std::string> extra) {
    const std::string passwordFile = f.dir.file("pw-" + who);
    std::ofstream(passwordFile) << "password-" << who << "\n";
    std::vector<std::string> args{"--server", f.server->url(), "--room", "klaver-1", "--name", who,
                                  "--sign-in", who + "@school", "--password-file", passwordFile};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

json readUntil(RawWebSocket& socket, const std::string& type, const std::function<bool(const json&)>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        auto text = socket.receiveType(type, 10000);
        REQUIRE(text);
        auto message = json::parse(*text);
        if (condition(message)) return message;
    }
    FAIL("timed out waiting for " + type);
    return nullptr;
}

// Server-clock time (µs) of a sample in a cli recording.
double sampleTimeUs(const json& listenerStats, std::size_t index) {
    return listenerStats["recording_start_server_us"].get<double>() + static_cast<double>(index) * 1e6 / 48000.0;
}

}  // namespace

TEST_CASE("a waiting student is not heard until let in, and a mute silences them within 100 ms", "[integration][rooms][audio]") {
    SchoolFixture f;
    RawWebSocket teacher;
    REQUIRE(teacher.connect(f.server->port()) == 101);
    REQUIRE(teacher.sendText(json{{"v", 1}, {"type", "join"}, {"room", "klaver-1"}, {"name", "t"}, {"token", f.token["teacher"]}}.dump()));
    REQUIRE(teacher.receiveType("welcome", 5000));

    // The admin listens (and records); the student plays a steady tone from the start.
    CliRun admin(f.dir, "admin", signedInCli(f, "admin", {"--record", f.dir.file("heard-by-admin"), "--duration", "9"}));
    CliRun student(f.dir, "student", signedInCli(f, "student", {"--tone", "660", "--duration", "9"}));

    std::uint32_t waitingId = 0;
    readUntil(teacher, "room_state", [&](const json& state) {
        for (const auto& w : state["waiting"])
            if (w["name"] == "student") waitingId = w["participant_id"].get<std::uint32_t>();
        return waitingId != 0;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the student plays on, unheard
    const std::int64_t admittedUs = monotonicMicros();  // same host: the server's clock too
    REQUIRE(teacher.sendText(json{{"v", 1}, {"type", "admit"}, {"participant_id", waitingId}}.dump()));

    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    const std::int64_t mutedUs = monotonicMicros();
    REQUIRE(teacher.sendText(json{{"v", 1}, {"type", "mute"}, {"participant_id", waitingId}, {"muted", true}}.dump()));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const std::int64_t unmutedUs = monotonicMicros();
    REQUIRE(teacher.sendText(json{{"v", 1}, {"type", "mute"}, {"participant_id", waitingId}, {"muted", false}}.dump()));

    REQUIRE(admin.finish() == 0);
    REQUIRE(student.finish() == 0);
    CHECK(student.stats()["waited"] == true);
    CHECK(student.stats()["role"] == "student");
    CHECK(student.stats()["welcome_server_us"].get<double>() >= static_cast<double>(admittedUs));
    bool toldMuted = false;
    for (const auto& notice : student.stats()["notices"]) toldMuted |= notice["code"] == "muted";
    CHECK(toldMuted);

    const auto* heard = admin.peerNamed("student");
    REQUIRE(heard != nullptr);
    auto recording = readWavFile((*heard)["wav"].get<std::string>());
    REQUIRE(recording);
    const auto samples = recording->channel(0);
    const json& adminStats = admin.stats();

    // Nothing of the student before they were let in.
    const auto firstHeard = findOnset(samples, kAudible);
    REQUIRE(firstHeard);
    const double firstHeardUs = sampleTimeUs(adminStats, *firstHeard);
    CHECK(firstHeardUs >= static_cast<double>(admittedUs));

    // The mute: the last audible moment before the unmute comes at most 100 ms after it.
    std::size_t lastAudible = *firstHeard;
    for (std::size_t i = *firstHeard; i + 48 <= samples.size(); i += 48) {
        if (sampleTimeUs(adminStats, i) >= static_cast<double>(unmutedUs)) break;
        if (rms(samples, i, 48) > kAudible) lastAudible = i + 48;
    }
    const double stopAfterMuteMs = (sampleTimeUs(adminStats, lastAudible) - static_cast<double>(mutedUs)) / 1000.0;
    CHECK(stopAfterMuteMs < 100.0);
    CHECK(stopAfterMuteMs > -5.0);  // it did play right up to the mute

    // And back after the unmute.
    std::size_t unmuteIndex = 0;
    while (unmuteIndex < samples.size() && sampleTimeUs(adminStats, unmuteIndex) < static_cast<double>(unmutedUs))
        ++unmuteIndex;
    const auto resumed = findOnset(samples, kAudible, unmuteIndex);
    REQUIRE(resumed);
    const double resumeAfterUnmuteMs = (sampleTimeUs(adminStats, *resumed) - static_cast<double>(unmutedUs)) / 1000.0;
    CHECK(resumeAfterUnmuteMs < 500.0);
    std::cout << "  first heard " << (firstHeardUs - static_cast<double>(admittedUs)) / 1000.0
              << " ms after the admit; silent " << stopAfterMuteMs << " ms after the mute; heard again "
              << resumeAfterUnmuteMs << " ms after the unmute\n";
}
