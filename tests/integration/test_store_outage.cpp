// PostgreSQL restarted during a lesson: the lesson's audio goes on (the relay never waits on
// the database), the API says 503 store_unavailable while it is away and works again when
// it is back, and nothing confirmed before is lost. Runs in the suite's PostgreSQL pass
// (tests/support/with_postgres.sh, which says where its cluster is).
#include "school_fixture.h"
#include "test_database.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

using namespace samspil::test;

namespace {

// pg_ctl on the test's own cluster, as its owner (root runs the tests; postgres owns it).
int pgCtl(const std::string& action) {
    const std::string dir = std::getenv("SAMSPIL_TEST_POSTGRES_DIR");
    const std::string bin = std::getenv("SAMSPIL_TEST_POSTGRES_BIN");
    const std::string owner = getuid() == 0 ? "runuser -u postgres -- " : "";
    const std::string options = action == "start" ? " -l " + dir + "/server.log -w -t 30 -o \"-k " + dir +
                                                        " -c listen_addresses='' -c fsync=off -c max_connections=200\""
                                                  : " -m fast -w";
    return std::system((owner + bin + "/pg_ctl -D " + dir + "/data" + options + " " + action + " >/dev/null").c_str());
}

std::vector<std::string> lessonArgs(SchoolFixture& f, const std::string& who, int hz) {
    const std::string passwordFile = f.dir.file("pw-" + who);
    std::ofstream(passwordFile) << "password-" << who << "\n";
    return {"--server", f.server->url(), "--room", "klaver-1", "--name", who, "--sign-in", who + "@school",
            "--password-file", passwordFile, "--tone", std::to_string(hz), "--duration", "9", "--stats"};
}

}  // namespace

TEST_CASE("PostgreSQL restarted during a lesson: the audio goes on, the API answers 503 and then works again",
          "[integration][postgres-only][untimed]") {
    REQUIRE(testingPostgres());
    SchoolFixture f;
    auto teacherArgs = lessonArgs(f, "teacher", 440);
    teacherArgs.push_back("--admit-all");  // the student waits to be let in, as in a lesson
    CliRun teacher(f.dir, "teacher", teacherArgs);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    CliRun student(f.dir, "student", lessonArgs(f, "student", 660));
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const auto before = f.call("POST", "schools/1/members",
                               {{"login", "confirmed@school"}, {"display_name", "Bekræftet"}, {"password", "password-x1"},
                                {"role", "student"}},
                               f.token["admin"]);
    REQUIRE(before.status == 201);

    REQUIRE(pgCtl("stop") == 0);
    const auto away = f.call("GET", "me", nullptr, f.token["teacher"]);
    CHECK(away.status == 503);
    CHECK(away.errorCode() == "store_unavailable");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    REQUIRE(pgCtl("start") == 0);
    ApiAnswer back;
    for (int attempt = 0; attempt < 50 && back.status != 200; ++attempt) {
        back = f.call("GET", "me", nullptr, f.token["teacher"]);
        if (back.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(back.status == 200);
    // What was confirmed before the outage is there: the person added signs in.
    CHECK(f.call("POST", "sign-in", {{"login", "confirmed@school"}, {"password", "password-x1"}}).status == 200);

    const auto teacherCode = teacher.finish(), studentCode = student.finish();
    INFO("teacher: " << teacher.process().stderrText() << "\nstudent: " << student.process().stderrText());
    REQUIRE(teacherCode == 0);
    REQUIRE(studentCode == 0);
    // Each heard the other through the outage: no gap the jitter buffer could not bridge.
    for (auto [listener, speaker] : {std::pair{&teacher, "student"}, std::pair{&student, "teacher"}}) {
        const auto* heard = listener->peerNamed(speaker);
        REQUIRE(heard != nullptr);
        INFO(speaker << " as heard: " << heard->dump());
        std::cout << speaker << " heard through PostgreSQL's restart: " << (*heard)["received"] << " packets, "
                  << (*heard)["lost"] << " lost, longest gap " << (*heard)["max_gap_ms"] << " ms\n";
        CHECK((*heard)["lost"].get<int>() == 0);
        CHECK((*heard)["received"].get<int>() > 600);
        CHECK((*heard)["max_gap_ms"].get<double>() < 100.0);
    }
}
