// A short smoke run of samspil-bench so it keeps working. It asserts that the load ran
// (everyone joined, audio flowed both ways), never how fast anything was.
#include "process.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

using namespace samspil::test;

TEST_CASE("samspil-bench runs a small load end to end and reports it", "[integration][bench]") {
    TempDir dir;
    ChildProcess bench(SAMSPIL_BENCH_BINARY,
                       {"--participants", "8", "--room-size", "4", "--duration", "2", "--warmup", "0.5", "--json"},
                       dir.path(), dir.file("bench"));
    REQUIRE(bench.wait(std::chrono::seconds(60)) == 0);
    // The last line is the JSON report.
    std::istringstream lines(bench.stdoutText());
    std::string line, last;
    while (std::getline(lines, line))
        if (!line.empty()) last = line;
    const auto report = nlohmann::json::parse(last);
    CHECK(report["joined"] == 9);  // 8 participants and the chat probe
    CHECK(report["packets_in_per_s"].get<double>() > 0);
    CHECK(report["received_by_clients_per_s"].get<double>() > 0);
    CHECK(report["disconnects"] == 0);
    CHECK(report["chat_rtt_p50_ms"].get<double>() > 0);
    CHECK(bench.stdoutText().find("server CPU") != std::string::npos);
}
