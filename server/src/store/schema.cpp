#include "store/schema.h"

#include "store/sqlite.h"

#include <array>
#include <string>

namespace samspil::server {
namespace {

// Migration N brings user_version from N-1 to N. Never edit one that has shipped; add a new one.
constexpr std::array<const char*, 1> kMigrations = {
    // 1: rooms and their chat.
    R"sql(
    CREATE TABLE rooms (
        id            INTEGER PRIMARY KEY,
        code          TEXT NOT NULL UNIQUE,
        created_at_ms INTEGER NOT NULL
    );
    CREATE TABLE chat_messages (
        id          INTEGER PRIMARY KEY,
        room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        room_seq    INTEGER NOT NULL,
        sender_name TEXT NOT NULL,
        text        TEXT NOT NULL,
        sent_at_ms  INTEGER NOT NULL,
        UNIQUE (room_id, room_seq)
    );
    )sql",
};

}  // namespace

int latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

int migrateSchema(SqliteDatabase& db) {
    int version = db.userVersion();
    if (version > latestSchemaVersion())
        throw SqliteError("the database has schema version " + std::to_string(version) +
                              ", newer than this server understands (" + std::to_string(latestSchemaVersion()) + ")",
                          0);
    for (; version < latestSchemaVersion(); ++version) {
        SqliteTransaction transaction(db);
        db.exec(kMigrations[static_cast<std::size_t>(version)]);
        db.setUserVersion(version + 1);
        transaction.commit();
    }
    return version;
}

}  // namespace samspil::server
