// Backup and restore as a school's IT person runs them: `samspil-server admin backup FILE`
// while the server runs and people sign in, chat and are added; `admin restore FILE` into
// a new data folder; a server started on it has every row that was confirmed before the
// backup began, and the lesson recording's files byte for byte. Restoring onto the
// running server's database is refused, and so is a second server on one database.
#include "http_get.h"
#include "samspil/time/clock.h"
#include "school_fixture.h"
#include "test_database.h"
#include "store/database.h"
#include "store/database_copy.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ChildProcess& admin(std::unique_ptr<ChildProcess>& holder, const TempDir& dir, const std::string& name,
                    std::vector<std::string> args) {
    args.insert(args.begin(), "admin");
    holder = std::make_unique<ChildProcess>(serverBinary(), args, dir.path(), dir.file(name));
    return *holder;
}

}  // namespace

TEST_CASE("backup while the server is busy, restore into a new folder: every confirmed row and recording is there",
          "[integration][backup][untimed]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    const std::string database = f.server->databasePath();
    const std::string recordings = f.server->recordingsDir();

    // A recorded lesson with chat, so there are files and chat rows to keep.
    const std::string passwordFile = f.dir.file("pw-teacher");
    std::ofstream(passwordFile) << "password-teacher\n";
    CliRun teacher(f.dir, "teacher", {"--server", f.server->url(), "--room", "klaver-1", "--name", "teacher", "--sign-in",
                                      "teacher@school", "--password-file", passwordFile, "--record-lesson", "--tone", "440",
                                      "--chat", "Husk at øve skalaen", "--chat", "Vi ses torsdag", "--duration", "3"});
    REQUIRE(teacher.finish() == 0);
    std::string mix;
    for (int attempt = 0; attempt < 100 && mix.empty(); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        for (const auto& entry : std::filesystem::recursive_directory_iterator(recordings))
            if (entry.path().filename() == "mix.opus") mix = entry.path().string();
    }
    REQUIRE_FALSE(mix.empty());

    // People are added and sign in the whole time; each one the API confirmed is noted.
    std::atomic<bool> busy{true};
    std::mutex confirmedMutex;
    std::vector<std::pair<std::string, std::int64_t>> confirmed;  // login, when confirmed (Unix ms)
    std::thread load([&] {
        for (int n = 0; busy.load(); ++n) {
            const std::string login = "elev" + std::to_string(n) + "@school";
            const auto added = f.call("POST", "schools/1/members",
                                      {{"login", login}, {"display_name", "Elev " + std::to_string(n)},
                                       {"password", "password-elev"}, {"role", "student"}},
                                      f.token["admin"]);
            if (added.status == 201) {
                std::lock_guard lock(confirmedMutex);
                confirmed.emplace_back(login, unixMillis());
            }
            f.call("POST", "sign-in", {{"login", "student@school"}, {"password", "password-student"}});
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const std::int64_t backupStartedMs = unixMillis();
    std::unique_ptr<ChildProcess> backupRun;
    const int backupCode = admin(backupRun, f.dir, "backup", {"backup", f.dir.file("samspil-backup.db"), "--db", database,
                                                                  "--recordings-dir", recordings})
                               .wait(std::chrono::seconds(60))
                               .value_or(-1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    busy.store(false);
    load.join();
    std::cout << "backup: " << backupRun->stdoutText();
    REQUIRE(backupCode == 0);
    CHECK(backupRun->stdoutText().find("2 schools") != std::string::npos);

    // Onto the running server's database: refused, nothing touched. (An SQLite file is the
    // one server's; a PostgreSQL database is shared by nodes, and a restore wants it empty.)
    std::unique_ptr<ChildProcess> refused;
    CHECK(admin(refused, f.dir, "restore-refused", {"restore", f.dir.file("samspil-backup.db"), "--db", database,
                                                    "--recordings-dir", recordings, "--replace"})
              .wait(std::chrono::seconds(30)) == 1);
    CHECK(refused->stderrText().find(testingPostgres() ? "already holds data" : "in use by a running samspil-server") !=
          std::string::npos);
    // A second server on the same database says so and stops.
    ChildProcess second(serverBinary(), {"--db", database, "--port", "0", "--recordings-dir", recordings}, f.dir.path(),
                        f.dir.file("second-server"));
    CHECK(second.wait(std::chrono::seconds(20)) == 1);
    CHECK(second.stderrText().find("in use by a running samspil-server") != std::string::npos);

    // Into a new place, then a server on it.
    const std::string restoredDb = freshDatabase(f.dir, "restored/samspil.db");
    const std::string restoredRecordings = f.dir.file("restored/recordings");
    std::unique_ptr<ChildProcess> restoreRun;
    REQUIRE(admin(restoreRun, f.dir, "restore", {"restore", f.dir.file("samspil-backup.db"), "--db", restoredDb,
                                                 "--recordings-dir", restoredRecordings})
                .wait(std::chrono::seconds(60)) == 0);
    std::cout << "restore: " << restoreRun->stdoutText();
    // Not twice into the same place without --replace.
    std::unique_ptr<ChildProcess> again;
    CHECK(admin(again, f.dir, "restore-again", {"restore", f.dir.file("samspil-backup.db"), "--db", restoredDb,
                                                "--recordings-dir", restoredRecordings})
              .wait(std::chrono::seconds(30)) == 1);
    CHECK(again->stderrText().find("already holds") != std::string::npos);

    f.server.reset();
    TestServer restored(f.dir, {"--db", restoredDb, "--recordings-dir", restoredRecordings}, 0, false);
    std::set<std::string> logins;
    {
        auto dbConnection = server::openDatabase(restoredDb);
    auto& db = *dbConnection;
        auto rows = db.prepare("SELECT login FROM people");
        while (rows.step()) logins.insert(rows.columnText(0));
    }
    int before = 0, during = 0;
    for (const auto& [login, atMs] : confirmed) {
        if (atMs < backupStartedMs) {
            ++before;
            INFO(login << " was confirmed before the backup began");
            CHECK(logins.count(login) == 1);
        } else {
            ++during;
        }
    }
    std::cout << "backup: " << before << " people confirmed before the backup began, all restored; " << during
              << " more while it ran or after\n";
    CHECK(before >= 3);
    // The restored server answers with them: the admin signs in, the school's members are there.
    auto signIn = httpRequest(restored.port(), "POST", "/api/v1/sign-in",
                              R"({"login":"admin@school","password":"password-admin"})");
    CHECK(signIn.status == 200);
    // Chat and the recording, byte for byte.
    {
        auto dbConnection = server::openDatabase(restoredDb);
    auto& db = *dbConnection;
        auto chat = db.prepare("SELECT COUNT(*) FROM chat_messages WHERE text IN ('Husk at øve skalaen', 'Vi ses torsdag')");
        chat.step();
        CHECK(chat.columnInt(0) == 2);
        auto tracks = db.prepare("SELECT file FROM recording_tracks");
        int compared = 0;
        while (tracks.step()) {
            const std::string file = tracks.columnText(0);
            CHECK(fileBytes(f.dir.file("restored/recordings/" + file)) == fileBytes(recordings + "/" + file));
            ++compared;
        }
        CHECK(compared == 1);
    }
    const std::string restoredMix = f.dir.file("restored/recordings/" +
                                               std::filesystem::relative(mix, recordings).string());
    CHECK(fileBytes(restoredMix) == fileBytes(mix));
    CHECK_FALSE(fileBytes(restoredMix).empty());
}

TEST_CASE("a school's server moves from its SQLite file to PostgreSQL: every row, sign-in, lessons, and new ids after "
          "the old",
          "[integration][backup][untimed][postgres-only]") {
    // Runs in the suite's PostgreSQL pass only (with_postgres.sh): the source is an SQLite
    // file, so this fixture is made with the PostgreSQL address put aside for a moment.
    REQUIRE(testingPostgres());
    const std::string postgres = std::getenv("SAMSPIL_TEST_POSTGRES");
    unsetenv("SAMSPIL_TEST_POSTGRES");
    auto fixture = std::make_unique<SchoolFixture>();
    setenv("SAMSPIL_TEST_POSTGRES", postgres.c_str(), 1);
    SchoolFixture& f = *fixture;
    const auto invite = f.call("POST", "rooms/" + std::to_string(f.roomId) + "/invites",
                               {{"expires_in_minutes", 60}, {"guest_name", "Farmor"}}, f.token["teacher"]);
    REQUIRE(invite.status == 201);
    const std::string file = f.server->databasePath();
    REQUIRE(file.find("://") == std::string::npos);

    // While the server runs, the file is not copied (it would go on changing).
    const std::string target = freshDatabase(f.dir, "pg/samspil.db");
    std::unique_ptr<ChildProcess> busy;
    CHECK(admin(busy, f.dir, "copy-busy", {"copy-database", "--from", file, "--to", target})
              .wait(std::chrono::seconds(30)) == 1);
    CHECK(busy->stderrText().find("stop it first") != std::string::npos);
    f.server.reset();

    std::unique_ptr<ChildProcess> copy;
    REQUIRE(admin(copy, f.dir, "copy", {"copy-database", "--from", file, "--to", target})
                .wait(std::chrono::seconds(60)) == 0);
    std::cout << "copy-database: " << copy->stdoutText();
    CHECK(copy->stdoutText().find("2 schools") != std::string::npos);
    // Every table holds the same rows on both sides.
    {
        auto from = server::openDatabase(file);
        auto to = server::openDatabase(target);
        for (const char* table : server::storeTables()) {
            const std::string order = std::string("SELECT * FROM ") + table;
            auto a = from->prepare(order), b = to->prepare(order);
            std::multiset<std::string> left, right;
            while (a.step()) {
                std::string row;
                for (int i = 0; i < a.columnCount(); ++i) row += a.columnText(i) + "|";
                left.insert(row);
            }
            while (b.step()) {
                std::string row;
                for (int i = 0; i < b.columnCount(); ++i)
                    row += (b.columnKind(i) == server::ValueKind::Blob
                                ? std::string(reinterpret_cast<const char*>(b.columnBlob(i).data()), b.columnBlob(i).size())
                                : b.columnText(i)) + "|";
                right.insert(row);
            }
            INFO(table);
            CHECK(left == right);
        }
    }
    // Not twice into the same database.
    std::unique_ptr<ChildProcess> again;
    CHECK(admin(again, f.dir, "copy-again", {"copy-database", "--from", file, "--to", target})
              .wait(std::chrono::seconds(30)) == 1);
    CHECK(again->stderrText().find("already holds data") != std::string::npos);

    // A server on PostgreSQL: the same people sign in, the lesson is there, and a new
    // person gets an id after the copied ones.
    f.server = std::make_unique<TestServer>(f.dir, std::vector<std::string>{"--db", target}, 0, false);
    f.token["teacher"] = f.signIn("teacher");
    const auto lessons = f.call("GET", "schools/1/lessons", nullptr, f.token["teacher"]);
    REQUIRE(lessons.status == 200);
    CHECK(lessons.body.dump().find("Klaver med Ida") != std::string::npos);
    f.token["admin"] = f.signIn("admin");
    const std::int64_t newcomer = f.addMember(1, "admin", "newcomer", "student");
    for (const auto& [name, id] : f.personId) CHECK(newcomer > id);
}
