// The store's view of a database: a connection, a prepared statement, a transaction —
// the same calls whether the data lives in an SQLite file (store/sqlite.h, the embedded
// default) or in PostgreSQL (store/postgres.h, where several nodes share it). Queries are
// written once, in the SQL both understand: numbered parameters (?1, ?2…), `RETURNING id`
// for a new row's id, `ON CONFLICT` instead of `INSERT OR …`. Used by one thread at a time
// (the store thread, or an admin command's).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

/// A failed database call: what was being done and the engine's own message. `unavailable`
/// when the database could not be reached at all (the API answers 503, not 500).
class StoreError : public std::runtime_error {
public:
    StoreError(const std::string& what, int code, bool unavailable = false)
        : std::runtime_error(what), code_(code), unavailable_(unavailable) {}
    /// SQLite's result code; 0 for PostgreSQL and for errors of our own.
    int code() const { return code_; }
    bool unavailable() const { return unavailable_; }

private:
    int code_;
    bool unavailable_;
};

/// What a result column holds in one row (for copying rows between engines).
enum class ValueKind { Null, Integer, Text, Blob };

/// One engine's prepared statement (sqlite.cpp, postgres.cpp).
class StatementBackend {
public:
    virtual ~StatementBackend() = default;
    virtual void bindInt(int index, std::int64_t value) = 0;
    virtual void bindText(int index, std::string_view value) = 0;
    virtual void bindNull(int index) = 0;
    virtual void bindBlob(int index, const std::vector<std::uint8_t>& bytes) = 0;
    virtual bool step() = 0;
    virtual void reset() = 0;
    virtual std::int64_t columnInt(int index) const = 0;
    virtual std::string columnText(int index) const = 0;
    virtual bool columnIsNull(int index) const = 0;
    virtual int columnCount() const = 0;
    virtual std::string columnName(int index) const = 0;
    virtual ValueKind columnKind(int index) const = 0;
    virtual std::vector<std::uint8_t> columnBlob(int index) const = 0;
};

/// A prepared statement; bind by 1-based index, step, read columns by 0-based index.
class Statement {
public:
    explicit Statement(std::unique_ptr<StatementBackend> backend) : backend_(std::move(backend)) {}

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bindNull(int index);
    Statement& bindBlob(int index, const std::vector<std::uint8_t>& bytes);
    /// Binds a value, or NULL when it is empty.
    Statement& bindOptional(int index, const std::optional<std::int64_t>& value);
    Statement& bindOptional(int index, const std::optional<std::string>& value);

    /// Advances; true while a row is available, false when done.
    bool step() { return backend_->step(); }
    /// Steps a statement that returns no rows.
    void run();
    /// Steps a statement that returns one integer (`INSERT … RETURNING id`) and gives it.
    std::int64_t runReturningInt();
    /// Back to the start, bindings cleared, for reuse.
    void reset() { backend_->reset(); }

    std::int64_t columnInt(int index) const { return backend_->columnInt(index); }
    std::optional<std::int64_t> columnOptionalInt(int index) const;
    std::string columnText(int index) const { return backend_->columnText(index); }
    bool columnIsNull(int index) const { return backend_->columnIsNull(index); }
    /// The result's shape, after step(): for copying whole rows (store/database_copy.h).
    int columnCount() const { return backend_->columnCount(); }
    std::string columnName(int index) const { return backend_->columnName(index); }
    ValueKind columnKind(int index) const { return backend_->columnKind(index); }
    std::vector<std::uint8_t> columnBlob(int index) const { return backend_->columnBlob(index); }

private:
    std::unique_ptr<StatementBackend> backend_;
};

/// An open connection.
class Database {
public:
    enum class Engine { Sqlite, Postgres };

    virtual ~Database() = default;
    Database() = default;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    virtual Engine engine() const = 0;
    /// Runs one or more statements without parameters or results.
    virtual void exec(std::string_view sql) = 0;
    /// Prepares a statement for binding and stepping.
    virtual Statement prepare(std::string_view sql) = 0;
    /// The schema version (store/schema.h), 0 for a new database.
    virtual int schemaVersion() = 0;
    virtual void setSchemaVersion(int version) = 0;
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    virtual int changes() const = 0;
    /// Starts a transaction that writes (SQLite: BEGIN IMMEDIATE, so it waits for the lock
    /// at the start rather than failing half-way).
    virtual void begin() = 0;
    virtual void commit() { exec("COMMIT"); }
    virtual void rollback() { exec("ROLLBACK"); }
    /// At shutdown: SQLite moves its WAL into the main file; PostgreSQL has nothing to do.
    virtual void checkpoint() {}

private:
    friend class Transaction;
    int transactionDepth_ = 0;  // Transactions open on this connection (inner ones are savepoints)
};

/// begin() on construction; ROLLBACK on destruction unless commit() was called. Inside
/// another Transaction it is a savepoint: its own work is undone alone, or kept with the
/// outer one's.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    int depth_;
    bool done_ = false;
};

/// What `--db` names: a `postgresql://` (or `postgres://`) URL, else an SQLite file.
bool isPostgresUrl(std::string_view database);

/// Opens the database `--db` names (the SQLite file's folder is created); does not migrate.
std::unique_ptr<Database> openDatabase(const std::string& database);

}  // namespace samspil::server
