#include "store/sqlite.h"

#include <sqlite3.h>

namespace samspil::server {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& doing, int code) {
    throw SqliteError(doing + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)), code);
}

void check(sqlite3* db, int code, const char* doing) {
    if (code != SQLITE_OK) fail(db, doing, code);
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path) {
    const int code = sqlite3_open_v2(path.c_str(), &db_,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (code != SQLITE_OK) {
        const std::string message = "opening " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code));
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError(message, code);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
}

SqliteDatabase::~SqliteDatabase() {
    sqlite3_close_v2(db_);
}

void SqliteDatabase::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (code != SQLITE_OK) {
        const std::string why = message ? message : sqlite3_errstr(code);
        sqlite3_free(message);
        throw SqliteError("executing SQL: " + why, code);
    }
}

SqliteStatement SqliteDatabase::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    check(db_, sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr),
          "preparing a statement");
    return SqliteStatement(db_, statement);
}

int SqliteDatabase::userVersion() {
    auto statement = prepare("PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.columnInt(0));
}

void SqliteDatabase::setUserVersion(int version) {
    exec("PRAGMA user_version = " + std::to_string(version));
}

std::int64_t SqliteDatabase::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(db_);
}

int SqliteDatabase::changes() const {
    return sqlite3_changes(db_);
}

void SqliteDatabase::checkpoint() {
    check(db_, sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr),
          "checkpointing the WAL");
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept : db_(other.db_), statement_(other.statement_) {
    other.statement_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(statement_);
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
    check(db_, sqlite3_bind_int64(statement_, index, value), "binding an integer");
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view value) {
    check(db_, sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
          "binding text");
    return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int index, const std::vector<std::uint8_t>& bytes) {
    check(db_, sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), "binding a blob");
    return *this;
}

SqliteStatement& SqliteStatement::bindOptional(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

SqliteStatement& SqliteStatement::bindOptional(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

SqliteStatement& SqliteStatement::bindNull(int index) {
    check(db_, sqlite3_bind_null(statement_, index), "binding null");
    return *this;
}

bool SqliteStatement::step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail(db_, "running a statement", code);
}

void SqliteStatement::run() {
    while (step()) {
    }
}

void SqliteStatement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

std::int64_t SqliteStatement::columnInt(int index) const {
    return sqlite3_column_int64(statement_, index);
}

std::optional<std::int64_t> SqliteStatement::columnOptionalInt(int index) const {
    if (columnIsNull(index)) return std::nullopt;
    return columnInt(index);
}

std::string SqliteStatement::columnText(int index) const {
    const auto* text = sqlite3_column_text(statement_, index);
    const int bytes = sqlite3_column_bytes(statement_, index);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes)) : std::string();
}

bool SqliteStatement::columnIsNull(int index) const {
    return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

SqliteTransaction::SqliteTransaction(SqliteDatabase& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
    if (done_) return;
    try {
        db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
        // Nothing more to do: the transaction is gone either way.
    }
}

void SqliteTransaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace samspil::server
