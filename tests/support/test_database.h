// Where a test keeps its data: an SQLite file in its folder, or — when the suite runs
// against PostgreSQL (tests/support/with_postgres.sh sets SAMSPIL_TEST_POSTGRES to a
// server it started) — a fresh database of its own on that server. One suite, two engines.
#pragma once

#include "process.h"

#include <string>

namespace samspil::test {

/// True when this run's databases are PostgreSQL's.
bool testingPostgres();

/// The database standing for the file `dir.file(name)`: that file, or on PostgreSQL a
/// database of that file's own (created empty on first use, found again after).
std::string freshDatabase(const TempDir& dir, const std::string& name);

}  // namespace samspil::test
