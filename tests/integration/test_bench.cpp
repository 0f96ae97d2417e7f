// samspil-bench end to end: a short smoke load so it keeps working, and a one-minute soak.
// They assert that the load ran (everyone joined, audio flowed, nothing failed), never how
// fast anything was. Under AddressSanitizer (the second CI build) the soak shows that none
// of it crashes or leaks: the server exits 0 on SIGTERM with LeakSanitizer on. The
// 30-minute soak and its memory figures are in docs/performance.md.
#include "process.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

using namespace samspil::test;

namespace {

// Runs samspil-bench with args (plus --json) and returns its report, the last line it prints.
nlohmann::json runBench(const TempDir& dir, std::vector<std::string> args, std::chrono::seconds timeout,
                        std::string* printed = nullptr) {
    args.push_back("--json");
    ChildProcess bench(SAMSPIL_BENCH_BINARY, args, dir.path(), dir.file("bench"));
    REQUIRE(bench.wait(timeout) == 0);
    std::istringstream lines(bench.stdoutText());
    std::string line, last;
    while (std::getline(lines, line))
        if (!line.empty()) last = line;
    if (printed) *printed = bench.stdoutText();
    INFO(last);
    return nlohmann::json::parse(last);
}

}  // namespace

TEST_CASE("samspil-bench runs a small load end to end and reports it", "[integration][bench]") {
    TempDir dir;
    std::string printed;
    const auto report = runBench(dir, {"--participants", "8", "--room-size", "4", "--duration", "2", "--warmup", "0.5"},
                                 std::chrono::seconds(60), &printed);
    CHECK(report["joined"] == 9);  // 8 participants and the chat probe
    CHECK(report["packets_in_per_s"].get<double>() > 0);
    CHECK(report["received_by_clients_per_s"].get<double>() > 0);
    CHECK(report["disconnects"] == 0);
    CHECK(report["chat_rtt_p50_ms"].get<double>() > 0);
    CHECK(printed.find("server CPU") != std::string::npos);
}

TEST_CASE("soak: a minute of play with visitors coming and going and sign-ins, no crash, no leak, no errors",
          "[integration][soak]") {
    TempDir dir;
    const auto report = runBench(
        dir, {"--participants", "50", "--room-size", "5", "--duration", "60", "--warmup", "1", "--churn"},
        std::chrono::seconds(150));
    INFO(report.dump());
    CHECK(report["joined"] == 51);
    CHECK(report["churn"]["joins"].get<int>() >= 50);  // about one a second
    CHECK(report["churn"]["leaves"].get<int>() >= 45);
    CHECK(report["churn"]["chats"] == report["churn"]["joins"]);
    CHECK(report["churn"]["sign_ins"].get<int>() >= 50);
    CHECK(report["churn"]["failures"] == 0);
    CHECK(report["disconnects"] == 0);
    CHECK(report["server_log_errors"] == 0);
    CHECK(report["server_exit_code"] == 0);  // with LeakSanitizer: no leak at exit
}
