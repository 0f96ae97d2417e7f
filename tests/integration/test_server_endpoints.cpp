// One port, several doors: /healthz, /metrics, static files, /ws; --help; a clean stop.
#include "raw_websocket.h"
#include "school_fixture.h"
#include "store/schema.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace samspil::test;

TEST_CASE("health, metrics and static files share the WebSocket port", "[integration][http][untimed]") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("web"));
    std::ofstream(dir.file("web/index.html")) << "<h1>Samspil</h1>";
    TestServer server(dir, {"--static-dir", dir.file("web")});

    const HttpResponse health = httpGet(server.port(), "/healthz");
    REQUIRE(health.status == 200);
    const auto body = nlohmann::json::parse(health.body);
    CHECK(body["status"] == "ok");
    CHECK(body["connections"] == 0);
    CHECK(body["schema_version"] == samspil::server::latestSchemaVersion());

    const HttpResponse metrics = httpGet(server.port(), "/metrics");
    REQUIRE(metrics.status == 200);
    for (const char* name : {"samspil_connections", "samspil_rooms", "samspil_media_packets_in_total",
                             "samspil_media_packets_out_total", "samspil_media_packets_dropped_total",
                             "samspil_relay_latency_seconds_bucket"})
        CHECK(metrics.body.find(name) != std::string::npos);

    const HttpResponse page = httpGet(server.port(), "/");
    CHECK(page.status == 200);
    CHECK(page.body == "<h1>Samspil</h1>");
    CHECK(httpGet(server.port(), "/no-such-file.js").status == 404);
    CHECK(server.stop() == 0);
}

TEST_CASE("SIGTERM tells connected clients the server is going away and exits 0", "[integration][lifecycle][untimed]") {
    TempDir dir;
    TestServer server(dir);
    RawWebSocket client;
    REQUIRE(client.connect(server.port()) == 101);
    REQUIRE(client.sendText(R"({"v":1,"type":"join","room":"r","name":"Stayer"})"));
    REQUIRE(client.receiveType("welcome", 3000));
    CHECK(nlohmann::json::parse(httpGet(server.port(), "/healthz").body)["participants"] == 1);

    server.process().signal(SIGTERM);
    const auto error = client.receiveType("error", 5000);
    REQUIRE(error);
    CHECK(nlohmann::json::parse(*error)["code"] == "server_shutting_down");
    const auto close = client.receiveUntilClose(5000);
    REQUIRE(close);
    CHECK(close->closeCode() == 1001);
    CHECK(server.process().wait(std::chrono::seconds(10)) == 0);
    CHECK(server.process().stderrText().find("database flushed") != std::string::npos);
}

TEST_CASE("the server explains itself with --help, and bad options or unusable paths fail clearly", "[integration][lifecycle][untimed]") {
    TempDir dir;
    ChildProcess help(serverBinary(), {"--help"}, dir.path(), dir.file("help"));
    CHECK(help.wait(std::chrono::seconds(10)) == 0);
    CHECK(help.stdoutText().find("--db FILE") != std::string::npos);

    ChildProcess bad(serverBinary(), {"--frobnicate"}, dir.path(), dir.file("bad"));
    CHECK(bad.wait(std::chrono::seconds(10)) == 2);
    CHECK(bad.stderrText().find("--frobnicate") != std::string::npos);

    std::ofstream(dir.file("not-a-dir")) << "x";
    ChildProcess badDb(serverBinary(), {"--port", "0", "--db", dir.file("not-a-dir/samspil.db")}, dir.path(),
                       dir.file("baddb"));
    CHECK(badDb.wait(std::chrono::seconds(10)) == 1);
    CHECK(badDb.stderrText().find("not-a-dir") != std::string::npos);

    TestServer first(dir);
    ChildProcess samePort(serverBinary(), {"--port", std::to_string(first.port()), "--db", dir.file("second.db")},
                          dir.path(), dir.file("sameport"));
    CHECK(samePort.wait(std::chrono::seconds(10)) == 1);
    CHECK(samePort.stderrText().find("cannot listen") != std::string::npos);
    CHECK(first.stop() == 0);
}

TEST_CASE("the browser client is served by default, cross-origin isolated, and an invite link opens its page",
          "[integration][http][web][untimed]") {
    SchoolFixture school;
    const int port = school.server->port();
    const HttpResponse page = httpGet(port, "/");
    REQUIRE(page.status == 200);
    CHECK(page.body.find("<script type=\"module\" src=\"/js/app.js\">") != std::string::npos);
    for (const char* header : {"cross-origin-opener-policy: same-origin", "cross-origin-embedder-policy: require-corp",
                               "content-security-policy: default-src 'self'", "x-content-type-options: nosniff"})
        CHECK(page.headers.find(header) != std::string::npos);
    const HttpResponse script = httpGet(port, "/js/protocol.js");
    CHECK(script.status == 200);
    CHECK(script.headers.find("cross-origin-embedder-policy: require-corp") != std::string::npos);

    // The teacher's invite comes with an ordinary web link; it opens the page.
    const auto invite = school.call("POST", "rooms/" + std::to_string(school.roomId) + "/invites",
                                    {{"guest_name", "Mentor Mads"}, {"lesson_id", school.lessonId}}, school.token["teacher"]);
    REQUIRE(invite.status == 201);
    const std::string code = invite.body["code"];
    // (The link is built from the Host header the request came with; this client sends no port.)
    CHECK(invite.body["web_link"] == "http://127.0.0.1/join/" + code);
    const HttpResponse joinPage = httpGet(port, "/join/" + code);
    CHECK(joinPage.status == 200);
    CHECK(joinPage.body == page.body);
    CHECK(joinPage.headers.find("cross-origin-opener-policy: same-origin") != std::string::npos);

    // The page learns where the invite leads without a sign-in; a withdrawn one says so.
    const auto lookup = school.call("GET", "invites/lookup?code=" + code);
    REQUIRE(lookup.status == 200);
    CHECK(lookup.body["room_code"] == "klaver-1");
    CHECK(lookup.body["room_name"] == "Klaverværelset");
    CHECK(lookup.body["school_name"] == "Aarhus Musikskole");
    CHECK(lookup.body["lesson_title"] == "Klaver med Ida");
    CHECK(lookup.body["guest_name"] == "Mentor Mads");
    CHECK(school.call("GET", "invites/lookup?code=NOPE-NOPE").status == 404);
    REQUIRE(school.call("DELETE", "invites/" + std::to_string(invite.body["id"].get<int>()), nullptr,
                        school.token["teacher"]).status / 100 == 2);
    const auto withdrawn = school.call("GET", "invites/lookup?code=" + code);
    CHECK(withdrawn.status == 410);
    CHECK(withdrawn.errorCode() == "invalid_invite");
    CHECK(withdrawn.body["error"]["message"].get<std::string>().find("withdrawn") != std::string::npos);
}
