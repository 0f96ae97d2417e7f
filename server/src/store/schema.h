// The database schema and its migrations, applied in order by PRAGMA user_version.
#pragma once

namespace samspil::server {

class SqliteDatabase;

/// Brings the database to the newest schema version; returns that version.
/// Each migration runs in its own transaction.
int migrateSchema(SqliteDatabase& db);

/// The schema version this build writes.
int latestSchemaVersion();

}  // namespace samspil::server
