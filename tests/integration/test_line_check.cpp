// The line check a teacher runs before joining: real probes over the session's WebSocket,
// no room joined, and a clear sentence when the server cannot be reached.
#include "test_server.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace samspil::test;

TEST_CASE("the line check measures round trip, jitter and loss without joining a room", "[integration][line-check]") {
    TempDir dir;
    TestServer server(dir);
    CliRun check(dir, "check", {"--server", server.url(), "--line-check"});
    // While it probes, the server sees a connection but no participant.
    bool sawConnection = false;
    waitUntil(
        [&] {
            const auto health = nlohmann::json::parse(httpGet(server.port(), "/healthz").body);
            CHECK(health["participants"] == 0);
            sawConnection |= health["connections"].get<int>() >= 1;
            return sawConnection || !check.process().running();
        },
        std::chrono::seconds(5));
    CHECK(sawConnection);
    REQUIRE(check.finish() == 0);
    const auto& result = check.stats();
    CHECK(result["sent"] == 50);
    CHECK(result["answered"] == 50);
    CHECK(result["loss_percent"] == 0.0);
    CHECK(result["rtt_min_ms"].get<double>() > 0.0);
    CHECK(result["rtt_min_ms"].get<double>() <= result["rtt_median_ms"].get<double>());
    CHECK(result["rtt_median_ms"].get<double>() <= result["rtt_max_ms"].get<double>());
    CHECK(result["rtt_median_ms"].get<double>() < 50.0);  // loopback
    CHECK(result["jitter_ms"].get<double>() >= 0.0);
    CHECK(result["summary"].get<std::string>().find("round trip") != std::string::npos);
}

TEST_CASE("the line check says plainly when the server cannot be reached", "[integration][line-check][untimed]") {
    TempDir dir;
    int closedPort = 0;
    {
        TestServer gone(dir);  // a port that was just free, now nobody listens on it
        closedPort = gone.port();
    }
    CliRun refused(dir, "refused", {"--server", "ws://127.0.0.1:" + std::to_string(closedPort), "--line-check"});
    CHECK(refused.finish(std::chrono::seconds(10)) == 4);
    CHECK(refused.process().stderrText().find("No answer from") != std::string::npos);

    CliRun malformed(dir, "malformed", {"--server", "ftp://school.example", "--line-check"});
    CHECK(malformed.finish(std::chrono::seconds(10)) == 4);
    CHECK(malformed.process().stderrText().find("does not work") != std::string::npos);
}
