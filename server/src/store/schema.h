// The database schema and its migrations, applied in order by PRAGMA user_version.
#pragma once

#include <span>

namespace samspil::server {

class SqliteDatabase;

/// Brings the database to the newest schema version; returns that version.
/// Each migration runs in its own transaction.
int migrateSchema(SqliteDatabase& db);

/// The schema version this build writes.
int latestSchemaVersion();

/// The migrations every release ships, oldest first (migration N at index N-1).
std::span<const char* const> shippedMigrations();

/// The migrations this server applies: the shipped ones (store/schema_migrations.cpp). A
/// separate link seam so that the package upgrade test's "next version" of the server
/// (tests/ops/next_version_migrations.cpp) can bring one more.
std::span<const char* const> schemaMigrations();

}  // namespace samspil::server
