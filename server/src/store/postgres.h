// The shared engine: the store in PostgreSQL (libpq), so that several server nodes see one
// set of schools, rooms, chat and recordings. One connection, used by one thread. A lost
// connection is made again at the next call outside a transaction; a call that cannot reach
// the server throws StoreError with unavailable() set (the API answers 503).
#pragma once

#include "store/database.h"

typedef struct pg_conn PGconn;

namespace samspil::server {

class PostgresDatabase final : public Database {
public:
    /// Connects to `url` (postgresql://user@host/db?…); throws StoreError when it cannot.
    explicit PostgresDatabase(const std::string& url);
    ~PostgresDatabase() override;

    Engine engine() const override { return Engine::Postgres; }
    void exec(std::string_view sql) override;
    Statement prepare(std::string_view sql) override;
    /// The samspil_schema table's one row (created when missing).
    int schemaVersion() override;
    void setSchemaVersion(int version) override;
    int changes() const override { return changes_; }
    void begin() override;
    void commit() override;
    void rollback() override;

    /// The connection, made again first when it was lost (not inside a transaction: its
    /// work is gone, so the transaction fails instead). Statements call this.
    PGconn* connection();
    void noteChanges(int rows) { changes_ = rows; }

private:
    PGconn* conn_ = nullptr;
    std::string url_;
    bool inTransaction_ = false;
    int changes_ = 0;
};

/// `?1, ?2…` (the store's parameters) as PostgreSQL's `$1, $2…`; string literals untouched.
std::string postgresParameters(std::string_view sql);

}  // namespace samspil::server
