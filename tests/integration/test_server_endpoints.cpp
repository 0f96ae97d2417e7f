// One port, several doors: /healthz, /metrics, static files, /ws; --help; a clean stop.
#include "raw_websocket.h"
#include "store/schema.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace samspil::test;

TEST_CASE("health, metrics and static files share the WebSocket port", "[integration][http]") {
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

TEST_CASE("SIGTERM tells connected clients the server is going away and exits 0", "[integration][lifecycle]") {
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

TEST_CASE("the server explains itself with --help, and bad options or unusable paths fail clearly", "[integration][lifecycle]") {
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
