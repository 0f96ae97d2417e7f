// The database schema and its migrations, applied in order by the schema version (SQLite:
// PRAGMA user_version; PostgreSQL: the samspil_schema table). Each engine has its own text
// of every migration, with the same numbers (schema.cpp, schema_postgres.cpp).
#pragma once

#include <span>

namespace samspil::server {

class Database;

/// Brings the database to the newest schema version; returns that version. Each migration
/// runs in its own transaction; on PostgreSQL, nodes starting together take turns (an
/// advisory lock) so each migration runs once.
int migrateSchema(Database& db);

/// The schema version this build writes.
int latestSchemaVersion();

/// The migrations every release ships, oldest first (migration N at index N-1).
std::span<const char* const> shippedMigrations();

/// The same migrations in PostgreSQL's words (store/schema_postgres.cpp).
std::span<const char* const> postgresMigrations();

/// The migrations this server applies: the shipped ones (store/schema_migrations.cpp). A
/// separate link seam so that the package upgrade test's "next version" of the server
/// (tests/ops/next_version_migrations.cpp) can bring one more.
std::span<const char* const> schemaMigrations();

}  // namespace samspil::server
