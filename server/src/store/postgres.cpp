#include "store/postgres.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

namespace samspil::server {
namespace {

// PostgreSQL's type ids for the parameters we send (pg_type.oid): a blob goes as bytes,
// the rest as text the server parses by these types.
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// The connection was lost, refused, or the server is shutting down: SQLSTATE class 08
// (connection exception) or 57P (operator intervention: admin shutdown, cannot connect now).
bool unreachable(PGconn* conn, const PGresult* result) {
    if (!conn || PQstatus(conn) == CONNECTION_BAD) return true;
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    return state && (std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "57P", 3) == 0);
}

[[noreturn]] void fail(PGconn* conn, const PGresult* result, const std::string& doing) {
    std::string message = result ? PQresultErrorMessage(result) : (conn ? PQerrorMessage(conn) : "no connection");
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw StoreError(doing + ": " + message, 0, unreachable(conn, result));
}

class PostgresStatement final : public StatementBackend {
public:
    PostgresStatement(PostgresDatabase& db, std::string sql) : db_(db), sql_(std::move(sql)) {}

    void bindInt(int index, std::int64_t value) override { set(index, std::to_string(value), kInt8, 0); }
    void bindText(int index, std::string_view value) override { set(index, std::string(value), kText, 0); }
    void bindNull(int index) override {
        set(index, std::nullopt, 0, 0);  // its type comes from where the query uses it
    }
    void bindBlob(int index, const std::vector<std::uint8_t>& bytes) override {
        set(index, std::string(bytes.begin(), bytes.end()), kBytea, 1);
    }

    bool step() override {
        if (!result_) execute();
        if (row_ + 1 >= PQntuples(result_.get())) {
            row_ = PQntuples(result_.get());
            return false;
        }
        ++row_;
        return true;
    }
    void reset() override {
        result_.reset();
        row_ = -1;
        values_.clear();
        types_.clear();
        formats_.clear();
    }
    std::int64_t columnInt(int index) const override {
        const char* text = PQgetvalue(result_.get(), row_, index);
        if (text[0] == 't' || text[0] == 'f') return text[0] == 't';  // a boolean expression
        std::int64_t value = 0;
        std::from_chars(text, text + std::strlen(text), value);
        return value;
    }
    std::string columnText(int index) const override {
        return std::string(PQgetvalue(result_.get(), row_, index),
                           static_cast<std::size_t>(PQgetlength(result_.get(), row_, index)));
    }
    bool columnIsNull(int index) const override { return PQgetisnull(result_.get(), row_, index) != 0; }
    int columnCount() const override { return PQnfields(result_.get()); }
    std::string columnName(int index) const override { return PQfname(result_.get(), index); }
    ValueKind columnKind(int index) const override {
        if (columnIsNull(index)) return ValueKind::Null;
        switch (PQftype(result_.get(), index)) {
            case kInt8: case kInt4: case kInt2: return ValueKind::Integer;
            case kBytea: return ValueKind::Blob;
            default: return ValueKind::Text;
        }
    }
    std::vector<std::uint8_t> columnBlob(int index) const override {
        // Results come as text: bytea in its hex form (\x…), which libpq turns back into bytes.
        std::size_t size = 0;
        unsigned char* bytes =
            PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, index)), &size);
        if (!bytes) throw StoreError("reading a blob: out of memory", 0);
        std::vector<std::uint8_t> out(bytes, bytes + size);
        PQfreemem(bytes);
        return out;
    }

private:
    void set(int index, std::optional<std::string> value, Oid type, int format) {
        const auto at = static_cast<std::size_t>(index - 1);
        if (values_.size() <= at) {
            values_.resize(at + 1);
            types_.resize(at + 1, 0);
            formats_.resize(at + 1, 0);
        }
        values_[at] = std::move(value);
        types_[at] = type;
        formats_[at] = format;
    }

    void execute() {
        PGconn* conn = db_.connection();
        std::vector<const char*> values(values_.size());
        std::vector<int> lengths(values_.size());
        for (std::size_t i = 0; i < values_.size(); ++i) {
            values[i] = values_[i] ? values_[i]->data() : nullptr;
            lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
        }
        result_.reset(PQexecParams(conn, sql_.c_str(), static_cast<int>(values_.size()), types_.data(), values.data(),
                                   lengths.data(), formats_.data(), 0));
        const auto status = PQresultStatus(result_.get());
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            Result failed = std::move(result_);
            fail(conn, failed.get(), "running a statement");
        }
        const char* rows = PQcmdTuples(result_.get());
        int changed = 0;
        std::from_chars(rows, rows + std::strlen(rows), changed);
        db_.noteChanges(changed);
        row_ = -1;
    }

    PostgresDatabase& db_;
    std::string sql_;
    std::vector<std::optional<std::string>> values_;
    std::vector<Oid> types_;
    std::vector<int> formats_;
    Result result_;
    int row_ = -1;
};

}  // namespace

std::string postgresParameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    bool quoted = false;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'') quoted = !quoted;  // '' inside a literal toggles twice: still quoted
        if (!quoted && c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9')
            out += '$';
        else
            out += c;
    }
    return out;
}

PostgresDatabase::PostgresDatabase(const std::string& url) : url_(url) {
    // Later keywords win, so the URL's own connect_timeout or application_name take precedence.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "samspil-server", url.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        PQfinish(conn_);
        conn_ = nullptr;
        throw StoreError("connecting to PostgreSQL: " + message, 0, true);
    }
    exec("SET client_min_messages = warning");  // no NOTICEs on stderr for IF NOT EXISTS
}

PostgresDatabase::~PostgresDatabase() {
    PQfinish(conn_);
}

PGconn* PostgresDatabase::connection() {
    if (PQstatus(conn_) == CONNECTION_BAD) {
        if (inTransaction_) throw StoreError("the connection to PostgreSQL was lost in a transaction", 0, true);
        PQreset(conn_);
        if (PQstatus(conn_) != CONNECTION_OK) fail(conn_, nullptr, "connecting to PostgreSQL again");
        exec("SET client_min_messages = warning");
    }
    return conn_;
}

void PostgresDatabase::exec(std::string_view sql) {
    PGconn* conn = connection();
    const std::string text(sql);
    Result result(PQexec(conn, text.c_str()));
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(conn, result.get(), "executing SQL");
}

Statement PostgresDatabase::prepare(std::string_view sql) {
    return Statement(std::make_unique<PostgresStatement>(*this, postgresParameters(sql)));
}

int PostgresDatabase::schemaVersion() {
    auto exists = prepare("SELECT to_regclass('samspil_schema') IS NOT NULL");
    if (!exists.step() || exists.columnInt(0) == 0) return 0;  // a new database (read-only transactions welcome)
    auto statement = prepare("SELECT version FROM samspil_schema");
    return statement.step() ? static_cast<int>(statement.columnInt(0)) : 0;
}

void PostgresDatabase::setSchemaVersion(int version) {
    exec("CREATE TABLE IF NOT EXISTS samspil_schema (version INTEGER NOT NULL)");
    exec("DELETE FROM samspil_schema");
    prepare("INSERT INTO samspil_schema (version) VALUES (?1)").bind(1, std::int64_t{version}).run();
}

void PostgresDatabase::begin() {
    exec("BEGIN");
    inTransaction_ = true;
}

void PostgresDatabase::commit() {
    inTransaction_ = false;  // ended either way: a failed COMMIT rolls back
    exec("COMMIT");
}

void PostgresDatabase::rollback() {
    inTransaction_ = false;
    if (PQstatus(conn_) == CONNECTION_BAD) return;  // nothing to roll back on a lost connection
    exec("ROLLBACK");
}

}  // namespace samspil::server
