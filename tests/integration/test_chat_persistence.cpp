// Chat is kept in the SQLite file: it survives a restart of the server.
#include "test_server.h"

#include <catch2/catch.hpp>

using namespace samspil::test;

TEST_CASE("chat survives a server restart, text intact", "[integration][chat][untimed]") {
    TempDir dir;
    const std::vector<std::string> lines = {"Husk at øve skalaer til torsdag 🎹",
                                            "Robert'); DROP TABLE chat_messages;--"};
    int port = 0;
    {
        TestServer server(dir);
        port = server.port();
        CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "theory-7", "--name", "Lærer Åse",
                                         "--chat", lines[0], "--chat", lines[1], "--duration", "1.5"});
        REQUIRE(teacher.finish() == 0);
        CHECK(teacher.stats()["chat"].size() == 2);  // echoed back to the sender too
        CHECK(server.stop() == 0);
    }
    TestServer restarted(dir, {}, port);
    CliRun student(dir, "student", {"--server", restarted.url(), "--room", "theory-7", "--name", "Elev", "--duration", "1"});
    REQUIRE(student.finish() == 0);
    const auto chat = student.stats()["chat"];
    REQUIRE(chat.size() == 2);
    CHECK(chat[0]["text"] == lines[0]);
    CHECK(chat[1]["text"] == lines[1]);
    CHECK(chat[0]["name"] == "Lærer Åse");
    CHECK(chat[0]["id"] == 1);
    CHECK(chat[1]["id"] == 2);

    // Another room's history is its own.
    CliRun other(dir, "other", {"--server", restarted.url(), "--room", "theory-8", "--name", "X", "--duration", "1"});
    REQUIRE(other.finish() == 0);
    CHECK(other.stats()["chat"].empty());
    CHECK(restarted.stop() == 0);
}
