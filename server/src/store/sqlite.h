// Thin RAII wrappers over the SQLite C API: a database, a prepared statement, a
// transaction. Errors throw SqliteError carrying the SQLite result code.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace samspil::server {

/// A failed SQLite call: what was being done, SQLite's message and its result code.
class SqliteError : public std::runtime_error {
public:
    SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

class SqliteStatement;

/// An open database connection. Used by one thread at a time (the store thread).
class SqliteDatabase {
public:
    /// Opens (creating if needed) the file, turns on WAL, foreign keys and a busy timeout.
    explicit SqliteDatabase(const std::string& path);
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    /// Runs one or more statements without results.
    void exec(std::string_view sql);
    /// Prepares a statement for binding and stepping.
    SqliteStatement prepare(std::string_view sql);
    /// PRAGMA user_version, the schema version.
    int userVersion();
    void setUserVersion(int version);
    /// Rowid of the last INSERT.
    std::int64_t lastInsertRowId() const;
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    int changes() const;
    /// Moves the WAL into the main file and truncates it (at shutdown).
    void checkpoint();

    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

/// A prepared statement; bind by 1-based index, step, read columns by 0-based index.
class SqliteStatement {
public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&&) = delete;
    ~SqliteStatement();

    SqliteStatement& bind(int index, std::int64_t value);
    SqliteStatement& bind(int index, std::string_view value);
    SqliteStatement& bindNull(int index);
    SqliteStatement& bindBlob(int index, const std::vector<std::uint8_t>& bytes);
    /// Binds a value, or NULL when it is empty.
    SqliteStatement& bindOptional(int index, const std::optional<std::int64_t>& value);
    SqliteStatement& bindOptional(int index, const std::optional<std::string>& value);

    /// Advances; true while a row is available, false when done.
    bool step();
    /// Steps a statement that returns no rows.
    void run();
    /// Back to the start, bindings cleared, for reuse.
    void reset();

    std::int64_t columnInt(int index) const;
    std::optional<std::int64_t> columnOptionalInt(int index) const;
    std::string columnText(int index) const;
    bool columnIsNull(int index) const;

private:
    sqlite3* db_;
    sqlite3_stmt* statement_;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
class SqliteTransaction {
public:
    explicit SqliteTransaction(SqliteDatabase& db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;
    void commit();

private:
    SqliteDatabase& db_;
    bool done_ = false;
};

}  // namespace samspil::server
