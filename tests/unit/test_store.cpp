// The real database — an SQLite file, or PostgreSQL under with_postgres.sh (one suite, two
// engines): schema migrations, chat storage, text that must round-trip.
#include "process.h"
#include "store/chat_store.h"
#include "store/database_copy.h"
#include "store/recording_store.h"
#include "store/room_leases.h"
#include "store/schema.h"
#include "store/database.h"
#include "store/store_worker.h"
#include "test_database.h"
#include "worker_thread.h"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <atomic>
#include <future>
#include <set>
#include <thread>

using namespace samspil::server;
using namespace samspil::test;
using samspil::protocol::ChatMessage;

TEST_CASE("a new database is created in WAL mode with foreign keys and the newest schema", "[store]") {
    TempDir dir;
    const std::string path = freshDatabase(dir, "nested/dir/samspil.db");
    {
        StoreWorker store(path);
        CHECK(store.schemaVersion() == latestSchemaVersion());
    }
    auto dbConnection = openDatabase(path);
    auto& db = *dbConnection;
    CHECK(db.schemaVersion() == latestSchemaVersion());
    if (!testingPostgres()) {
        CHECK(std::filesystem::exists(path));
        auto mode = db.prepare("PRAGMA journal_mode");
        REQUIRE(mode.step());
        CHECK(mode.columnText(0) == "wal");
        auto keys = db.prepare("PRAGMA foreign_keys");
        REQUIRE(keys.step());
        CHECK(keys.columnInt(0) == 1);
    }
    CHECK(migrateSchema(db) == latestSchemaVersion());  // running again changes nothing
}

TEST_CASE("a database from a newer server is refused, not damaged", "[store]") {
    TempDir dir;
    const std::string path = freshDatabase(dir, "future.db");
    {
        auto dbConnection = openDatabase(path);
        dbConnection->setSchemaVersion(99);
    }
    CHECK_THROWS_AS(StoreWorker(path), StoreError);
    auto dbConnection = openDatabase(path);
    auto& db = *dbConnection;
    CHECK(db.schemaVersion() == 99);
}

TEST_CASE("chat text with quotes, SQL and any Unicode is stored and returned exactly", "[store][chat]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "chat.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    ChatStore chat(db);
    const std::vector<std::string> texts = {"Robert'); DROP TABLE chat_messages;--", "æøå ÆØÅ 🎻🎹",
                                            std::string(2000, 'x'), "line\nbreak\ttab", "\"quoted\" \\ back"};
    std::uint64_t id = 0;
    for (const auto& text : texts) chat.append("værelse-1", ChatMessage{++id, 3, "Åse", text, 1700000000000 + static_cast<std::int64_t>(id)});
    const RecentChat recent = chat.loadRecent("værelse-1", 50);
    REQUIRE(recent.messages.size() == texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        CHECK(recent.messages[i].text == texts[i]);
        CHECK(recent.messages[i].name == "Åse");
    }
    CHECK(recent.lastId == texts.size());
    CHECK(chat.loadRecent("other", 50).messages.empty());
}

TEST_CASE("loadRecent returns the newest messages, oldest first", "[store][chat]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "chat.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    ChatStore chat(db);
    for (std::uint64_t id = 1; id <= 80; ++id) chat.append("r", ChatMessage{id, 1, "n", std::to_string(id), 0});
    const RecentChat recent = chat.loadRecent("r", 50);
    REQUIRE(recent.messages.size() == 50);
    CHECK(recent.messages.front().text == "31");
    CHECK(recent.messages.back().text == "80");
    CHECK(recent.lastId == 80);
}

TEST_CASE("a failing statement rolls back and keeps what was there", "[store]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "chat.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    ChatStore chat(db);
    chat.append("r", ChatMessage{1, 1, "n", "kept", 0});
    try {
        chat.append("r", ChatMessage{1, 1, "n", "duplicate id", 0});  // UNIQUE(room_id, room_seq)
        FAIL("the duplicate should have been refused");
    } catch (const StoreError& error) {
        CHECK_THAT(error.what(), Catch::Matchers::Contains("unique constraint", Catch::CaseSensitive::No));
        CHECK_FALSE(error.unavailable());
    }
    const RecentChat recent = chat.loadRecent("r", 50);
    REQUIRE(recent.messages.size() == 1);
    CHECK(recent.messages[0].text == "kept");
}

TEST_CASE("the store thread runs jobs in order and finishes them all before it stops", "[store]") {
    TempDir dir;
    const std::string path = freshDatabase(dir, "jobs.db");
    std::promise<std::size_t> loaded;
    {
        StoreWorker store(path);
        for (std::uint64_t id = 1; id <= 200; ++id)
            store.post([id](Database& db) { ChatStore(db).append("r", ChatMessage{id, 1, "n", "m", 0}); });
        store.post([&loaded](Database& db) { loaded.set_value(ChatStore(db).loadRecent("r", 500).messages.size()); });
        store.post([](Database& db) { db.exec("this is not sql"); });  // logged and counted, not fatal
        for (std::uint64_t id = 201; id <= 210; ++id)
            store.post([id](Database& db) { ChatStore(db).append("r", ChatMessage{id, 1, "n", "m", 0}); });
        store.stop();
        CHECK(store.failedJobs() == 1);
    }
    CHECK(loaded.get_future().get() == 200);
    auto dbConnection = openDatabase(path);
    auto& db = *dbConnection;
    CHECK(ChatStore(db).loadRecent("r", 500).messages.size() == 210);
    if (!testingPostgres()) {
        const bool walLeftOver = std::filesystem::exists(path + "-wal") && std::filesystem::file_size(path + "-wal") > 0;
        CHECK_FALSE(walLeftOver);
    }
}

TEST_CASE("a store job that throws anything fails alone: the store thread goes on and the data is kept",
          "[store]") {
    TempDir dir;
    StoreWorker store(freshDatabase(dir, "var/samspil.db"));
    std::promise<int> written;
    // A JSON type error, as a malformed API body reaching a handler would throw.
    store.post([](Database&) { (void)nlohmann::json(42).get<std::string>(); });
    store.post([](Database&) { throw 7; });
    store.post([&](Database& db) {
        ChatStore(db).append("room-1", ChatMessage{1, 1, "Ida", "still here", 1000});
        written.set_value(static_cast<int>(ChatStore(db).loadRecent("room-1", 10).messages.size()));
    });
    auto result = written.get_future();
    REQUIRE(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(result.get() == 1);
    CHECK(store.failedJobs() == 2);
}

TEST_CASE("the password worker survives a throwing task and drops what has not started when stopped", "[store]") {
    WorkerThread worker;
    std::promise<void> ran;
    CHECK(worker.post([] { throw std::runtime_error("hash failed"); }));
    CHECK(worker.post([&] { ran.set_value(); }));
    auto done = ran.get_future();
    REQUIRE(done.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    std::atomic<int> started{0};
    std::promise<void> release;
    auto gate = release.get_future().share();
    CHECK(worker.post([&, gate] { ++started; gate.wait(); }));
    for (int i = 0; i < 10; ++i) CHECK(worker.post([&] { ++started; }));
    REQUIRE(waitUntil([&] { return started.load() == 1; }, std::chrono::seconds(5)));
    std::thread stopper([&] { worker.stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
    stopper.join();
    CHECK(started.load() == 1);  // the running task finished; the ten waiting were dropped
    CHECK_FALSE(worker.post([] {}));
}

TEST_CASE("recordings: titled after their room, consent judged for the whole recording, unfinished ones interrupted",
          "[store][recording]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "samspil.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    db.exec("INSERT INTO schools (id, name, created_at_ms) VALUES (1, 'Musikskolen', 0);"
            "INSERT INTO people (id, login, display_name, password_hash, created_at_ms) VALUES (5, 'ida', 'Ida', 'x', 0);"
            "INSERT INTO rooms (code, created_at_ms, school_id, name) VALUES ('klaver-1', 0, 1, 'Klaverværelset')");
    RecordingStore store(db);
    const std::int64_t first = store.begin({1, "klaver-1", 5, "Ida"}, 1000);
    const std::int64_t second = store.begin({1, "no-row-yet", 0, "Gæst"}, 2000);
    auto titles = db.prepare("SELECT title, status FROM recordings ORDER BY id");
    REQUIRE(titles.step());
    CHECK(titles.columnText(0) == "Klaverværelset");
    CHECK(titles.columnText(1) == "recording");
    REQUIRE(titles.step());
    CHECK(titles.columnText(0) == "no-row-yet");

    // Present, recorded; then back without consent: left out for the whole recording.
    store.notePresent(first, 5, true);
    store.notePresent(first, 5, false);
    store.notePresent(first, 5, true);
    auto recorded = db.prepare("SELECT recorded FROM recording_people WHERE recording_id = ?1 AND person_id = 5");
    recorded.bind(1, first);
    REQUIRE(recorded.step());
    CHECK(recorded.columnInt(0) == 0);

    store.addTrack(first, {77, "Ida", 5, 1}, "1/77.opus");
    store.addTrack(second, {78, "Gæst", 0, 2}, "2/78.opus");
    store.finish(first, 9000, 8000, {{"1/77.opus", 7990}});
    // The server was killed during the second: it comes back as interrupted, with its files.
    CHECK(store.markInterrupted() == std::vector<std::string>{"2/78.opus"});
    auto statuses = db.prepare("SELECT status, length_ms FROM recordings ORDER BY id");
    REQUIRE(statuses.step());
    CHECK(statuses.columnText(0) == "complete");
    CHECK(statuses.columnInt(1) == 8000);
    REQUIRE(statuses.step());
    CHECK(statuses.columnText(0) == "interrupted");
    CHECK(store.markInterrupted().empty());
}

TEST_CASE("every migration has its PostgreSQL words: the two engines' schemas have the same versions", "[store]") {
    CHECK(postgresMigrations().size() == shippedMigrations().size());
}

TEST_CASE("the copy between engines knows every table the schema has", "[store]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "tables.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    auto tables = db.prepare(testingPostgres()
                                 ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                   "AND table_name <> 'samspil_schema'"
                                 : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    std::set<std::string> inSchema;
    while (tables.step()) inSchema.insert(tables.columnText(0));
    const auto known = storeTables();
    CHECK(inSchema == std::set<std::string>(known.begin(), known.end()));
}

TEST_CASE("room leases: one node holds a room - another is told where until the lease runs out or is let go",
          "[store][nodes]") {
    TempDir dir;
    auto dbConnection = openDatabase(freshDatabase(dir, "leases.db"));
    auto& db = *dbConnection;
    migrateSchema(db);
    const NodeIdentity a{"a", "ws://10.0.0.1:7401/ws"}, b{"b", "ws://10.0.0.2:7401/ws"};
    constexpr std::int64_t t0 = 1'800'000'000'000;
    startNode(db, a, t0);
    startNode(db, b, t0);
    CHECK(claimRoom(db, "klaver-1", a, t0).held);
    CHECK(claimRoom(db, "klaver-1", a, t0 + 100).held);  // its own again
    const RoomClaim elsewhere = claimRoom(db, "klaver-1", b, t0 + 200);
    CHECK_FALSE(elsewhere.held);
    CHECK(elsewhere.holderUrl == a.wsUrl);
    // a renews: still a's well past the first lease's end.
    renewLeases(db, a, t0 + kLeaseMs);
    CHECK_FALSE(claimRoom(db, "klaver-1", b, t0 + kLeaseMs + 500).held);
    // a stops renewing (dies): after the lease, b takes the room.
    CHECK(claimRoom(db, "klaver-1", b, t0 + 2 * kLeaseMs + 1).held);
    CHECK(claimRoom(db, "klaver-1", a, t0 + 2 * kLeaseMs + 2).holderUrl == b.wsUrl);
    // b lets it go: a may take it at once.
    releaseRoom(db, "klaver-1", "b");
    CHECK(claimRoom(db, "klaver-1", a, t0 + 2 * kLeaseMs + 3).held);
    // A node restarting holds nothing of its earlier run.
    startNode(db, a, t0 + 2 * kLeaseMs + 4);
    CHECK(claimRoom(db, "klaver-1", b, t0 + 2 * kLeaseMs + 5).held);
}
