#include "store/sqlite.h"

#include <sqlite3.h>

namespace samspil::server {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& doing, int code) {
    throw StoreError(doing + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)), code);
}

void check(sqlite3* db, int code, const char* doing) {
    if (code != SQLITE_OK) fail(db, doing, code);
}

class SqliteStatement final : public StatementBackend {
public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
    ~SqliteStatement() override { sqlite3_finalize(statement_); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void bindInt(int index, std::int64_t value) override {
        check(db_, sqlite3_bind_int64(statement_, index, value), "binding an integer");
    }
    void bindText(int index, std::string_view value) override {
        check(db_, sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
              "binding text");
    }
    void bindNull(int index) override { check(db_, sqlite3_bind_null(statement_, index), "binding null"); }
    void bindBlob(int index, const std::vector<std::uint8_t>& bytes) override {
        check(db_, sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
              "binding a blob");
    }
    bool step() override {
        const int code = sqlite3_step(statement_);
        if (code == SQLITE_ROW) return true;
        if (code == SQLITE_DONE) return false;
        fail(db_, "running a statement", code);
    }
    void reset() override {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }
    std::int64_t columnInt(int index) const override { return sqlite3_column_int64(statement_, index); }
    std::string columnText(int index) const override {
        const auto* text = sqlite3_column_text(statement_, index);
        const int bytes = sqlite3_column_bytes(statement_, index);
        return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes)) : std::string();
    }
    bool columnIsNull(int index) const override { return sqlite3_column_type(statement_, index) == SQLITE_NULL; }
    int columnCount() const override { return sqlite3_column_count(statement_); }
    std::string columnName(int index) const override { return sqlite3_column_name(statement_, index); }
    ValueKind columnKind(int index) const override {
        switch (sqlite3_column_type(statement_, index)) {
            case SQLITE_NULL: return ValueKind::Null;
            case SQLITE_INTEGER: return ValueKind::Integer;
            case SQLITE_BLOB: return ValueKind::Blob;
            default: return ValueKind::Text;  // the store keeps no floating-point numbers
        }
    }
    std::vector<std::uint8_t> columnBlob(int index) const override {
        const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index));
        const int size = sqlite3_column_bytes(statement_, index);
        return bytes ? std::vector<std::uint8_t>(bytes, bytes + size) : std::vector<std::uint8_t>();
    }

private:
    sqlite3* db_;
    sqlite3_stmt* statement_;
};

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path) {
    const int code = sqlite3_open_v2(path.c_str(), &db_,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (code != SQLITE_OK) {
        const std::string message = "opening " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code));
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(message, code);
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
        throw StoreError("executing SQL: " + why, code);
    }
}

Statement SqliteDatabase::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    check(db_, sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr),
          "preparing a statement");
    return Statement(std::make_unique<SqliteStatement>(db_, statement));
}

int SqliteDatabase::schemaVersion() {
    auto statement = prepare("PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.columnInt(0));
}

void SqliteDatabase::setSchemaVersion(int version) {
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

}  // namespace samspil::server
