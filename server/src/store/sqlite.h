// The embedded default engine: the store in one SQLite file (WAL, foreign keys on, a busy
// timeout). backup.cpp reaches below the common interface for SQLite's online backup and
// blob calls (handle(), lastInsertRowId()).
#pragma once

#include "store/database.h"

struct sqlite3;

namespace samspil::server {

class SqliteDatabase final : public Database {
public:
    /// Opens (creating if needed) the file, turns on WAL, foreign keys and a busy timeout.
    explicit SqliteDatabase(const std::string& path);
    ~SqliteDatabase() override;

    Engine engine() const override { return Engine::Sqlite; }
    void exec(std::string_view sql) override;
    Statement prepare(std::string_view sql) override;
    /// PRAGMA user_version.
    int schemaVersion() override;
    void setSchemaVersion(int version) override;
    int changes() const override;
    void begin() override { exec("BEGIN IMMEDIATE"); }
    /// Moves the WAL into the main file and truncates it.
    void checkpoint() override;

    /// Rowid of the last INSERT.
    std::int64_t lastInsertRowId() const;
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace samspil::server
