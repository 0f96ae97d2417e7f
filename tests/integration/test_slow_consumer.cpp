// A client that stops reading is closed as too_slow over a real socket, while the rest of
// its room keeps playing.
#include "raw_websocket.h"
#include "test_server.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

using namespace samspil::test;

TEST_CASE("a participant who stops reading is closed as too_slow, the others keep their audio",
          "[integration][slow]") {
    TempDir dir;
    TestServer server(dir, {"--max-control-backlog-kb", "256"});
    // A player and a listener who records what she hears, for 20 s.
    CliRun player(dir, "player", {"--server", server.url(), "--room", "slow-room", "--name", "Ida", "--tone", "440",
                                  "--duration", "24"});
    CliRun listener(dir, "listener", {"--server", server.url(), "--room", "slow-room", "--name", "Lise", "--duration",
                                      "20", "--record", dir.file("rec")});
    REQUIRE(waitUntil([&] { return httpGet(server.port(), "/healthz").body.find("\"participants\":2") != std::string::npos; },
                      std::chrono::seconds(10)));

    // The stuck client: a tiny receive window, and it never reads after the welcome.
    RawWebSocket stuck;
    REQUIRE(stuck.connect(server.port(), "/ws", "samspil.v1", 4096) == 101);
    REQUIRE(stuck.sendText(R"({"v":1,"type":"join","room":"slow-room","name":"Stuck"})"));
    REQUIRE(stuck.receiveType("welcome", 3000));

    // Chatters fill its control backlog with long lines, echoed to everyone, within the chat
    // rate limit (2 a second each, after a few at once). The chatters and the listener keep up;
    // the stuck client keeps pinging (its sending side is alive), so only its reading stops.
    const std::string longLine(2000, 'x');
    std::vector<std::unique_ptr<RawWebSocket>> chatters;
    for (int i = 0; i < 16; ++i) {
        auto chatter = std::make_unique<RawWebSocket>();
        REQUIRE(chatter->connect(server.port()) == 101);
        REQUIRE(chatter->sendText(nlohmann::json{{"v", 1}, {"type", "join"}, {"room", "slow-room"},
                                                 {"name", "Chatter " + std::to_string(i)}}.dump()));
        REQUIRE(chatter->receiveType("welcome", 3000));
        chatters.push_back(std::move(chatter));
    }
    std::atomic<bool> reading{true};
    std::thread reader([&] {
        while (reading.load())
            for (auto& chatter : chatters) while (chatter->receive(1)) {}
    });
    const std::string chat = nlohmann::json{{"v", 1}, {"type", "chat"}, {"text", longLine}}.dump();
    for (auto& chatter : chatters)
        for (int line = 0; line < 3; ++line) chatter->sendText(chat);
    auto tooSlow = [&] {
        const std::string metrics = httpGet(server.port(), "/metrics").body;
        const auto at = metrics.find("reason=\"too_slow\"} ");
        return at == std::string::npos ? 0 : std::stoi(metrics.substr(at + 19));
    };
    for (int second = 0; second < 30 && tooSlow() == 0; ++second) {
        stuck.sendText(R"({"v":1,"type":"ping","id":1,"client_us":0})");
        for (auto& chatter : chatters) chatter->sendText(chat);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        for (auto& chatter : chatters) chatter->sendText(chat);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    reading.store(false);
    reader.join();
    INFO(httpGet(server.port(), "/metrics").body);
    CHECK(tooSlow() == 1);  // the stuck client, and nobody else
    // When it reads again, what was queued ends in a close that says why.
    const auto close = stuck.receiveUntilClose(10000);
    REQUIRE(close);
    CHECK(close->closeReason() == "too_slow");

    // The listener heard Ida the whole time: no reconnect, and her tone intact.
    REQUIRE(listener.finish() == 0);
    const auto* ida = listener.peerNamed("Ida");
    REQUIRE(ida);
    CHECK(listener.stats()["reconnects"] == 0);
    CHECK((*ida)["received"].get<int>() > 3000);  // 20 s at 200 packets/s, from joining on
    CHECK((*ida)["concealed"].get<double>() < 0.02 * (*ida)["received"].get<double>());
    player.process().signal();
    CHECK(server.stop() == 0);
}
