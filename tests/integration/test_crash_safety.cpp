// What the school stores survives the server dying mid-write, and the server stops cleanly
// under load: kill -9 in a loop while chat, sign-ins, invites and audit rows are written;
// SIGTERM with clients playing, chatting and signing in.
//
// "Confirmed" (docs/protocol.md, docs/api.md): a chat line echoed to its sender, an API
// request answered 2xx. Everything confirmed must be there after a restart.
#include "raw_websocket.h"
#include "school_fixture.h"
#include "test_database.h"
#include "store/database.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace samspil::test;
using samspil::server::Database;

namespace {

// Writes to the server from three threads until told to stop, remembering what the
// server confirmed. Each thread gives up quietly once the server is gone.
class ConfirmedWrites {
public:
    ConfirmedWrites(SchoolFixture& school, int round) : school_(school), round_(round) {}

    void start() {
        threads_.emplace_back([this] { writeChat(); });
        threads_.emplace_back([this] { createInvites(); });
        threads_.emplace_back([this] { signInAgain(); });
    }
    void stop() {
        running_.store(false);
        for (auto& thread : threads_) thread.join();
        threads_.clear();
    }

    std::mutex mutex;
    std::vector<std::string> chats;          // texts echoed back to us
    std::vector<std::int64_t> invites;       // ids answered 201
    std::vector<std::string> tokens;         // sign-ins answered 200

private:
    void writeChat() {
        RawWebSocket socket;
        if (socket.connect(school_.server->port()) != 101) return;
        if (!socket.sendText(R"({"v":1,"type":"join","room":"crash-chat","name":"Skriver"})")) return;
        if (!socket.receiveType("welcome", 3000)) return;
        for (int i = 0; running_.load(); ++i) {
            const std::string text = "runde " + std::to_string(round_) + " linje " + std::to_string(i) + " æøå";
            if (!socket.sendText(nlohmann::json{{"v", 1}, {"type", "chat"}, {"text", text}}.dump())) return;
            // Wait for the echo: only then is the line confirmed (and the rate limit is kept).
            const auto echo = socket.receiveType("chat", 2000);
            if (!echo) return;
            const auto json = nlohmann::json::parse(*echo);
            std::lock_guard lock(mutex);
            chats.push_back(json["text"].get<std::string>());
            if (i % 8 == 7) std::this_thread::sleep_for(std::chrono::milliseconds(500));  // within 2 lines/s
        }
    }
    void createInvites() {
        while (running_.load()) {
            const auto answer = school_.call("POST", "rooms/" + std::to_string(school_.roomId) + "/invites",
                                             {{"guest_name", "Mentor " + std::to_string(round_)}}, school_.token["teacher"]);
            if (answer.status == 0) return;
            if (answer.status != 201) continue;
            std::lock_guard lock(mutex);
            invites.push_back(answer.body["id"].get<std::int64_t>());
        }
    }
    void signInAgain() {
        while (running_.load()) {
            const auto answer = school_.call("POST", "sign-in", {{"login", "student@school"}, {"password", "password-student"}});
            if (answer.status == 0) return;
            if (answer.status != 200) continue;
            std::lock_guard lock(mutex);
            tokens.push_back(answer.body["token"].get<std::string>());
        }
    }

    SchoolFixture& school_;
    int round_;
    std::atomic<bool> running_{true};
    std::vector<std::thread> threads_;
};

std::string integrityOf(const std::string& path) {
    auto dbConnection = samspil::server::openDatabase(path);
    auto& db = *dbConnection;
    // PostgreSQL keeps its own files whole (a killed client cannot harm them): that it
    // answers is the check. An SQLite file is checked page by page.
    auto check = db.prepare(samspil::test::testingPostgres() ? "SELECT 'ok' FROM samspil_schema" : "PRAGMA integrity_check");
    return check.step() ? check.columnText(0) : "no answer";
}

std::set<std::string> storedChat(const std::string& path) {
    auto dbConnection = samspil::server::openDatabase(path);
    auto& db = *dbConnection;
    auto query = db.prepare("SELECT text FROM chat_messages");
    std::set<std::string> texts;
    while (query.step()) texts.insert(query.columnText(0));
    return texts;
}

std::set<std::int64_t> storedInvites(const std::string& path, std::size_t& auditRows) {
    auto dbConnection = samspil::server::openDatabase(path);
    auto& db = *dbConnection;
    auto query = db.prepare("SELECT id FROM invites");
    std::set<std::int64_t> ids;
    while (query.step()) ids.insert(query.columnInt(0));
    auto audit = db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'invite.create'");
    auditRows = audit.step() ? static_cast<std::size_t>(audit.columnInt(0)) : 0;
    return ids;
}

}  // namespace

TEST_CASE("kill -9 while chat, sign-ins, invites and audit rows are written: everything confirmed is there",
          "[integration][crash][untimed]") {
    SchoolFixture school({"--open-rooms"});
    const int port = school.server->port();
    const std::string database = school.server->databasePath();
    std::vector<std::string> chats;
    std::vector<std::int64_t> invites;
    std::vector<std::string> tokens;
    std::mt19937 random(2026);
    constexpr int kRounds = 50;
    for (int round = 0; round < kRounds; ++round) {
        ConfirmedWrites writes(school, round);
        writes.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(150 + random() % 250));
        school.server->process().signal(SIGKILL);
        REQUIRE(school.server->process().wait(std::chrono::seconds(10)) == 128 + SIGKILL);
        writes.stop();
        chats.insert(chats.end(), writes.chats.begin(), writes.chats.end());
        invites.insert(invites.end(), writes.invites.begin(), writes.invites.end());
        tokens.insert(tokens.end(), writes.tokens.begin(), writes.tokens.end());

        // The file as the killed server left it: whole, and holding what it confirmed.
        REQUIRE(integrityOf(database) == "ok");
        // It starts cleanly on the same file each time.
        school.server = std::make_unique<TestServer>(school.dir, std::vector<std::string>{"--open-rooms"}, port, false);
    }
    INFO(chats.size() << " chat lines, " << invites.size() << " invites, " << tokens.size() << " sign-ins confirmed");
    CHECK(chats.size() > 100);
    CHECK(invites.size() > 50);
    CHECK(tokens.size() > 50);

    // Every token a sign-in returned still signs its owner in.
    for (const auto& token : tokens) {
        const auto me = school.call("GET", "me", nullptr, token);
        REQUIRE(me.status == 200);
    }
    REQUIRE(school.server->stop() == 0);
    const auto storedTexts = storedChat(database);
    for (const auto& text : chats) REQUIRE(storedTexts.count(text) == 1);
    std::size_t auditRows = 0;
    const auto storedIds = storedInvites(database, auditRows);
    for (const auto id : invites) REQUIRE(storedIds.count(id) == 1);
    CHECK(auditRows >= invites.size());  // each confirmed invite has its audit row
    CHECK(integrityOf(database) == "ok");
}

TEST_CASE("SIGTERM under load: everyone is told the server is going away, the database is flushed, exit within 2 s",
          "[integration][crash]") {
    SchoolFixture school({"--open-rooms"});
    const int port = school.server->port();
    for (int round = 0; round < 6; ++round) {
        // Two players with audio, an observer, and chat, invites and sign-ins in flight.
        CliRun a(school.dir, "a" + std::to_string(round),
                 {"--server", school.server->url(), "--room", "stop-room", "--name", "A", "--tone", "440", "--duration", "30"});
        CliRun b(school.dir, "b" + std::to_string(round),
                 {"--server", school.server->url(), "--room", "stop-room", "--name", "B", "--tone", "660", "--duration", "30"});
        RawWebSocket observer;
        REQUIRE(observer.connect(port) == 101);
        REQUIRE(observer.sendText(R"({"v":1,"type":"join","room":"stop-room","name":"Observer"})"));
        REQUIRE(observer.receiveType("welcome", 3000));
        REQUIRE(waitUntil([&] { return httpGet(port, "/healthz").body.find("\"participants\":3") != std::string::npos; },
                          std::chrono::seconds(10)));
        ConfirmedWrites writes(school, round);
        writes.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));

        const auto signalled = std::chrono::steady_clock::now();
        school.server->process().signal(SIGTERM);
        // The observer hears why before the connection closes.
        const auto error = observer.receiveType("error", 3000);
        REQUIRE(error);
        CHECK(nlohmann::json::parse(*error)["code"] == "server_shutting_down");
        REQUIRE(school.server->process().wait(std::chrono::seconds(5)) == 0);
        const auto took = std::chrono::steady_clock::now() - signalled;
        CHECK(took < std::chrono::seconds(2));
        writes.stop();

        // Flushed: the WAL was checkpointed into the file, and what was confirmed is there.
        CHECK(integrityOf(school.server->databasePath()) == "ok");
        const auto texts = storedChat(school.server->databasePath());
        for (const auto& text : writes.chats) REQUIRE(texts.count(text) == 1);
        a.process().signal();
        b.process().signal();
        a.finish(std::chrono::seconds(5));
        b.finish(std::chrono::seconds(5));
        school.server = std::make_unique<TestServer>(school.dir, std::vector<std::string>{"--open-rooms"}, port, false);
    }
    CHECK(school.server->stop() == 0);
}
