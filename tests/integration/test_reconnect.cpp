// The server restarts in the middle of a lesson: clients are told it is going away,
// reconnect with backoff by themselves, and the audio comes back.
#include "samspil/audio/wav_file.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace samspil;
using namespace samspil::test;

TEST_CASE("clients reconnect after a server restart and the audio resumes", "[integration][reconnect]") {
    TempDir dir;
    auto server = std::make_unique<TestServer>(dir);
    const int port = server->port();
    const std::string url = server->url();
    CliRun a(dir, "A", {"--server", url, "--room", "r", "--name", "A", "--tone", "440", "--duration", "8"});
    CliRun b(dir, "B", {"--server", url, "--room", "r", "--name", "B", "--record", dir.file("b"), "--duration", "8"});
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK(server->stop() == 0);
    server.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server = std::make_unique<TestServer>(dir, std::vector<std::string>{}, port);

    REQUIRE(a.finish() == 0);
    REQUIRE(b.finish() == 0);
    CHECK(a.stats()["reconnects"].get<int>() >= 1);
    CHECK(b.stats()["reconnects"].get<int>() >= 1);
    bool toldGoingAway = false;
    for (const auto& error : b.stats()["errors"]) toldGoingAway |= error["code"] == "server_shutting_down";
    CHECK(toldGoingAway);

    // After the restart A has a new stream id, so B keeps a second recording of A.
    const auto peers = b.stats()["peers"];
    REQUIRE(peers.size() == 2);
    // The first recording is A.wav; the stream after the restart got the next name.
    const auto& second = peers[0]["wav"].get<std::string>().ends_with("/A.wav") ? peers[1] : peers[0];
    const std::string afterRestart = second["wav"].get<std::string>();
    CHECK(afterRestart.ends_with("/A-" + std::to_string(second["stream_id"].get<int>()) + ".wav"));
    auto heard = readWavFile(afterRestart);
    REQUIRE(heard);
    const auto samples = heard->channel(0);
    // The last two seconds of the lesson are the tone again.
    REQUIRE(samples.size() > 48000 * 3);
    CHECK(rms(samples, samples.size() - 96000, 96000) > 0.2);
    CHECK(server->stop() == 0);
}
