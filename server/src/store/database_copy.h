// Copies a server's data from one database to another, engine to engine: SQLite → PostgreSQL
// (a school moving to several nodes: `samspil-server admin copy-database`), and PostgreSQL →
// SQLite and back (the portable backup file, store/backup.h). Runs on the calling thread.
#pragma once

#include "samspil/base/expected.h"

#include <cstdint>
#include <span>
#include <string>

namespace samspil::server {

class Database;

/// Rows copied, all tables together.
struct CopySummary {
    std::int64_t rows = 0;
    int tables = 0;
};

/// Copies every row of every table of the store from `from` into `to`, keeping ids (and
/// moving PostgreSQL's id counters past them). Both must be at the same schema version;
/// `to` must hold no rows. Runs inside one transaction on `to` (all or nothing); reads
/// `from` as of one instant when the caller has begun a transaction on it.
[[nodiscard]] Expected<CopySummary, std::string> copyStoreData(Database& from, Database& to);

/// The store's tables, each after those it refers to.
std::span<const char* const> storeTables();

/// Whether the store's tables in `db` hold any row (a school, a room, a person…).
bool holdsStoreData(Database& db);

}  // namespace samspil::server
