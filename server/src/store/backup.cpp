#include "store/backup.h"

#include "samspil/time/clock.h"
#include "samspil/base/version.h"
#include "store/database_copy.h"
#include "store/database_lock.h"
#include "store/postgres.h"
#include "store/schema.h"
#include "store/sqlite.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace samspil::server {

namespace fs = std::filesystem;

namespace {

constexpr int kChunkBytes = 1 << 20;  // recording files go in and out a megabyte at a time

// Copies every page of `from` into `to` (SQLite's online backup: one read transaction on
// the source, so the copy is the database as of one instant while its writers carry on).
void copyDatabase(sqlite3* from, sqlite3* to) {
    sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
    if (!backup) throw StoreError(std::string("starting the backup: ") + sqlite3_errmsg(to), sqlite3_errcode(to));
    const int stepped = sqlite3_backup_step(backup, -1);
    const int finished = sqlite3_backup_finish(backup);
    if (stepped != SQLITE_DONE || finished != SQLITE_OK)
        throw StoreError(std::string("copying the database: ") + sqlite3_errstr(stepped != SQLITE_DONE ? stepped : finished),
                          stepped);
}

std::int64_t count(SqliteDatabase& db, const char* table) {
    auto statement = db.prepare(std::string("SELECT COUNT(*) FROM ") + table);
    statement.step();
    return statement.columnInt(0);
}

void fillCounts(SqliteDatabase& db, BackupSummary& summary) {
    summary.schemaVersion = db.schemaVersion();
    summary.schools = count(db, "schools");
    summary.people = count(db, "people");
    summary.recordings = summary.schemaVersion >= 3 ? count(db, "recordings") : 0;
}

// Every file of the copy's recordings that exists: the tracks, and each mix.
std::vector<std::string> recordingFiles(SqliteDatabase& db, const std::string& recordingsDir) {
    std::vector<std::string> files;
    if (db.schemaVersion() < 3) return files;
    auto tracks = db.prepare("SELECT file FROM recording_tracks ORDER BY id");
    while (tracks.step()) files.push_back(tracks.columnText(0));
    auto recordings = db.prepare("SELECT id FROM recordings ORDER BY id");
    while (recordings.step()) files.push_back(std::to_string(recordings.columnInt(0)) + "/mix.opus");
    std::vector<std::string> present;
    for (const auto& file : files)
        if (fs::is_regular_file(fs::path(recordingsDir) / file)) present.push_back(file);
    return present;
}

// Streams a file into a blob row without holding it in memory.
std::int64_t storeFile(SqliteDatabase& db, const std::string& name, const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    const auto size = static_cast<std::int64_t>(fs::file_size(path));
    auto insert = db.prepare("INSERT INTO samspil_backup_files (path, data) VALUES (?1, zeroblob(?2))");
    insert.bind(1, name).bind(2, size).run();
    sqlite3_blob* blob = nullptr;
    if (sqlite3_blob_open(db.handle(), "main", "samspil_backup_files", "data", db.lastInsertRowId(), 1, &blob) != SQLITE_OK)
        throw StoreError("storing " + name + ": " + sqlite3_errmsg(db.handle()), sqlite3_errcode(db.handle()));
    std::vector<char> chunk(kChunkBytes);
    std::int64_t done = 0;
    while (done < size && in.read(chunk.data(), std::min<std::int64_t>(kChunkBytes, size - done)), in.gcount() > 0) {
        if (sqlite3_blob_write(blob, chunk.data(), static_cast<int>(in.gcount()), static_cast<int>(done)) != SQLITE_OK) break;
        done += in.gcount();
    }
    sqlite3_blob_close(blob);
    if (done != size) throw StoreError("storing " + name + ": the file changed while it was read", 0);
    return size;
}

// Writes a stored file back out (beside its place first, then renamed).
std::int64_t writeFile(SqliteDatabase& db, std::int64_t row, const fs::path& path) {
    sqlite3_blob* blob = nullptr;
    if (sqlite3_blob_open(db.handle(), "main", "samspil_backup_files", "data", row, 0, &blob) != SQLITE_OK)
        throw StoreError(std::string("reading a stored file: ") + sqlite3_errmsg(db.handle()), sqlite3_errcode(db.handle()));
    const int size = sqlite3_blob_bytes(blob);
    fs::create_directories(path.parent_path());
    const fs::path part = path.string() + ".part";
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    std::vector<char> chunk(kChunkBytes);
    for (int at = 0; at < size && out;) {
        const int n = std::min(kChunkBytes, size - at);
        if (sqlite3_blob_read(blob, chunk.data(), n, at) != SQLITE_OK) break;
        out.write(chunk.data(), n);
        at += n;
    }
    sqlite3_blob_close(blob);
    out.close();
    if (!out || fs::file_size(part) != static_cast<std::uintmax_t>(size))
        throw StoreError("writing " + path.string() + " failed (is the disk full?)", 0);
    fs::rename(part, path);
    return size;
}

bool hasBackupTables(SqliteDatabase& db) {
    auto statement = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('samspil_backup', 'samspil_backup_files')");
    statement.step();
    return statement.columnInt(0) == 2;
}

bool holdsData(const std::string& databasePath, const std::string& recordingsDir) {
    std::error_code error;
    const bool database = fs::exists(databasePath, error) && fs::file_size(databasePath, error) > 0;
    const bool recordings = fs::is_directory(recordingsDir, error) && !fs::is_empty(recordingsDir, error);
    return database || recordings;
}

}  // namespace

Expected<BackupSummary, std::string> backupServerData(const std::string& databasePath, const std::string& recordingsDir,
                                                      const std::string& backupFile) {
    const bool postgres = isPostgresUrl(databasePath);
    if (!postgres && !fs::exists(databasePath)) return Unexpected{"there is no database at " + databasePath};
    const std::string part = backupFile + ".part";
    std::error_code ignored;
    fs::remove(part, ignored);
    BackupSummary summary;
    try {
        if (postgres) {
            // The same portable file from PostgreSQL: its rows copied into a new SQLite file,
            // read in one snapshot while the nodes carry on.
            PostgresDatabase live(databasePath);
            if (live.schemaVersion() != latestSchemaVersion())
                throw StoreError("the database has schema " + std::to_string(live.schemaVersion()) +
                                     ", this samspil-server writes " + std::to_string(latestSchemaVersion()) +
                                     ": back up with the version that runs it",
                                 0);
            SqliteDatabase copy(part);
            migrateSchema(copy);
            live.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            summary.madeAtMs = unixMillis();
            auto copied = copyStoreData(live, copy);
            if (!copied) throw StoreError(copied.error(), 0);
            live.exec("COMMIT");
        } else {
            SqliteDatabase live(databasePath);
            SqliteDatabase copy(part);
            summary.madeAtMs = unixMillis();
            copyDatabase(live.handle(), copy.handle());
        }
        SqliteDatabase copy(part);
        fillCounts(copy, summary);
        Transaction transaction(copy);
        copy.exec(
            "CREATE TABLE samspil_backup (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE samspil_backup_files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, data BLOB NOT NULL);");
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"made_at_ms", std::to_string(summary.madeAtMs)},
                                         {"samspil_version", kVersion},
                                         {"schema_version", std::to_string(summary.schemaVersion)}})
            copy.prepare("INSERT INTO samspil_backup (key, value) VALUES (?1, ?2)").bind(1, key).bind(2, value).run();
        for (const std::string& file : recordingFiles(copy, recordingsDir)) {
            summary.fileBytes += storeFile(copy, file, fs::path(recordingsDir) / file);
            ++summary.files;
        }
        transaction.commit();
        copy.checkpoint();
    } catch (const std::exception& error) {
        fs::remove(part, ignored);
        return Unexpected{std::string(error.what())};
    }
    fs::remove(part + "-wal", ignored);
    fs::remove(part + "-shm", ignored);
    std::error_code renamed;
    fs::rename(part, backupFile, renamed);
    if (renamed) return Unexpected{"writing " + backupFile + ": " + renamed.message()};
    return summary;
}

namespace {

// Turns a backup file into a database file of this server's schema at `restoring`, and
// writes its recordings under `recordingsDir`.
void unpackBackup(const std::string& backupFile, const std::string& restoring, const std::string& recordingsDir,
                  BackupSummary& summary) {
    {
        SqliteDatabase backup(backupFile);
        if (!hasBackupTables(backup)) throw StoreError(backupFile + " is not a samspil-server backup", 0);
        if (backup.schemaVersion() > latestSchemaVersion())
            throw StoreError(backupFile + " comes from a newer samspil-server (schema " +
                                 std::to_string(backup.schemaVersion()) + "); upgrade this one first",
                             0);
        SqliteDatabase target(restoring);
        copyDatabase(backup.handle(), target.handle());
    }
    SqliteDatabase target(restoring);
    auto files = target.prepare("SELECT id, path FROM samspil_backup_files ORDER BY id");
    while (files.step()) {
        const std::string path = files.columnText(1);
        if (path.find("..") != std::string::npos || fs::path(path).is_absolute())
            throw StoreError("the backup names a file outside the recordings folder: " + path, 0);
        summary.fileBytes += writeFile(target, files.columnInt(0), fs::path(recordingsDir) / path);
        ++summary.files;
    }
    target.exec("DROP TABLE samspil_backup_files; DROP TABLE samspil_backup;");
    target.exec("VACUUM");
    migrateSchema(target);
    fillCounts(target, summary);
    target.checkpoint();
}

void removeSqliteFiles(const std::string& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ignored);
}

// Into PostgreSQL: the backup unpacked into a file of its own, then its rows copied into
// the (empty) database. There is no file to keep beside it: keep the old data with pg_dump.
Expected<BackupSummary, std::string> restoreIntoPostgres(const std::string& backupFile, const std::string& url,
                                                         const std::string& recordingsDir, bool replace) {
    std::error_code ignored;
    if (!replace && fs::is_directory(recordingsDir, ignored) && !fs::is_empty(recordingsDir, ignored))
        return Unexpected{recordingsDir + " already holds recordings: restore into an empty folder, or add --replace"};
    const std::string restoring =
        (fs::temp_directory_path() / ("samspil-restore-" + std::to_string(unixMillis()) + ".db")).string();
    BackupSummary summary;
    try {
        PostgresDatabase target(url);
        migrateSchema(target);
        if (holdsStoreData(target))
            return Unexpected{"the PostgreSQL database already holds data: restore into an empty database "
                              "(createdb a new one; keep the old one with pg_dump first)"};
        unpackBackup(backupFile, restoring, recordingsDir, summary);
        SqliteDatabase unpacked(restoring);
        auto copied = copyStoreData(unpacked, target);
        if (!copied) throw StoreError(copied.error(), 0);
    } catch (const std::exception& error) {
        removeSqliteFiles(restoring);
        return Unexpected{std::string(error.what())};
    }
    removeSqliteFiles(restoring);
    return summary;
}

}  // namespace

Expected<BackupSummary, std::string> restoreServerData(const std::string& backupFile, const std::string& databasePath,
                                                       const std::string& recordingsDir, bool replace) {
    if (!fs::is_regular_file(backupFile)) return Unexpected{"there is no backup at " + backupFile};
    if (isPostgresUrl(databasePath)) return restoreIntoPostgres(backupFile, databasePath, recordingsDir, replace);
    const bool existed = fs::exists(databasePath);
    if (fs::path(databasePath).has_parent_path()) fs::create_directories(fs::path(databasePath).parent_path());
    auto lock = DatabaseLock::take(databasePath);  // first: "a server runs" says more than "data is there"
    if (!lock) return Unexpected{lock.error()};
    if (!existed) fs::remove(databasePath);  // the lock made it; the restored file takes its place
    if (!replace && holdsData(databasePath, recordingsDir))
        return Unexpected{databasePath + " or " + recordingsDir +
                          " already holds data: restore into an empty place, or add --replace (the old database is "
                          "kept beside it)"};

    const std::string restoring = databasePath + ".restoring";
    removeSqliteFiles(restoring);
    BackupSummary summary;
    try {
        unpackBackup(backupFile, restoring, recordingsDir, summary);
    } catch (const std::exception& error) {
        removeSqliteFiles(restoring);
        return Unexpected{std::string(error.what())};
    }
    if (existed) {
        const std::string kept = databasePath + ".before-restore-" + std::to_string(unixMillis());
        fs::rename(databasePath, kept);
    }
    std::error_code ignored;
    for (const char* suffix : {"-wal", "-shm"}) {
        fs::remove(databasePath + suffix, ignored);
        fs::remove(restoring + suffix, ignored);
    }
    fs::rename(restoring, databasePath);
    return summary;
}

}  // namespace samspil::server
