#include "store/database.h"

#include "store/postgres.h"
#include "store/sqlite.h"

#include <filesystem>
#include <system_error>

namespace samspil::server {

Statement& Statement::bind(int index, std::int64_t value) {
    backend_->bindInt(index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    backend_->bindText(index, value);
    return *this;
}

Statement& Statement::bindNull(int index) {
    backend_->bindNull(index);
    return *this;
}

Statement& Statement::bindBlob(int index, const std::vector<std::uint8_t>& bytes) {
    backend_->bindBlob(index, bytes);
    return *this;
}

Statement& Statement::bindOptional(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bindOptional(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

void Statement::run() {
    while (step()) {
    }
}

std::int64_t Statement::runReturningInt() {
    if (!step()) throw StoreError("a statement that should have returned a row returned none", 0);
    const std::int64_t value = columnInt(0);
    run();
    return value;
}

std::optional<std::int64_t> Statement::columnOptionalInt(int index) const {
    if (columnIsNull(index)) return std::nullopt;
    return columnInt(index);
}

namespace {
std::string savepoint(int depth) {
    return "samspil_savepoint_" + std::to_string(depth);
}
}  // namespace

Transaction::Transaction(Database& db) : db_(db), depth_(db.transactionDepth_) {
    if (depth_ == 0)
        db_.begin();
    else
        db_.exec("SAVEPOINT " + savepoint(depth_));
    ++db_.transactionDepth_;
}

Transaction::~Transaction() {
    if (done_) return;
    --db_.transactionDepth_;
    try {
        if (depth_ == 0)
            db_.rollback();
        else
            db_.exec("ROLLBACK TO SAVEPOINT " + savepoint(depth_) + "; RELEASE SAVEPOINT " + savepoint(depth_));
    } catch (const StoreError&) {
        // Nothing more to do: the transaction is gone either way (or the connection is).
    }
}

void Transaction::commit() {
    if (depth_ == 0)
        db_.commit();
    else
        db_.exec("RELEASE SAVEPOINT " + savepoint(depth_));
    done_ = true;
    --db_.transactionDepth_;
}

bool isPostgresUrl(std::string_view database) {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

std::unique_ptr<Database> openDatabase(const std::string& database) {
    if (isPostgresUrl(database)) return std::make_unique<PostgresDatabase>(database);
    const std::filesystem::path file(database);
    if (file.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        if (error) throw StoreError("creating " + file.parent_path().string() + ": " + error.message(), 0);
    }
    return std::make_unique<SqliteDatabase>(database);
}

}  // namespace samspil::server
