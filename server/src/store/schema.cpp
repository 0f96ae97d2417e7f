#include "store/schema.h"

#include "store/database.h"

#include <array>
#include <string>

namespace samspil::server {
namespace {

// Migration N brings user_version from N-1 to N. Never edit one that has shipped; add a new one.
constexpr std::array<const char*, 5> kShippedMigrations = {
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
    // 2: schools, people and their roles, sessions, lessons, invites, the audit log.
    // Rooms from before (school_id NULL) stay open rooms, joined by code alone.
    R"sql(
    CREATE TABLE schools (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    );
    CREATE TABLE people (
        id            INTEGER PRIMARY KEY,
        login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name  TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    );
    CREATE TABLE memberships (
        school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        role      TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'student', 'mentor')),
        PRIMARY KEY (school_id, person_id)
    );
    ALTER TABLE rooms ADD COLUMN school_id INTEGER REFERENCES schools(id) ON DELETE CASCADE;
    ALTER TABLE rooms ADD COLUMN owner_person_id INTEGER REFERENCES people(id) ON DELETE SET NULL;
    ALTER TABLE rooms ADD COLUMN name TEXT NOT NULL DEFAULT '';
    ALTER TABLE rooms ADD COLUMN drop_in INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE lessons (
        id            INTEGER PRIMARY KEY,
        school_id     INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
        room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        title         TEXT NOT NULL,
        starts_at_ms  INTEGER NOT NULL,
        ends_at_ms    INTEGER NOT NULL,
        created_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
        CHECK (ends_at_ms > starts_at_ms)
    );
    CREATE INDEX lessons_by_room_time ON lessons (room_id, starts_at_ms);
    CREATE TABLE lesson_participants (
        lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        PRIMARY KEY (lesson_id, person_id)
    );
    CREATE TABLE invites (
        id            INTEGER PRIMARY KEY,
        code_hash     BLOB NOT NULL UNIQUE,
        school_id     INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
        room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        lesson_id     INTEGER REFERENCES lessons(id) ON DELETE CASCADE,
        guest_name    TEXT,
        created_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        single_use    INTEGER NOT NULL,
        used_count    INTEGER NOT NULL DEFAULT 0,
        revoked_at_ms INTEGER
    );
    CREATE TABLE sessions (
        id            INTEGER PRIMARY KEY,
        token_hash    BLOB NOT NULL UNIQUE,
        person_id     INTEGER REFERENCES people(id) ON DELETE CASCADE,
        invite_id     INTEGER REFERENCES invites(id) ON DELETE CASCADE,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER,
        CHECK ((person_id IS NULL) <> (invite_id IS NULL))
    );
    CREATE TABLE audit_log (
        id              INTEGER PRIMARY KEY,
        at_ms           INTEGER NOT NULL,
        school_id       INTEGER,
        actor_person_id INTEGER,
        actor_name      TEXT NOT NULL,
        action          TEXT NOT NULL,
        target          TEXT NOT NULL,
        detail          TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_school ON audit_log (school_id, id);
    )sql",
    // 3: lesson recordings. A person may be left out of recordings (no guardian's consent);
    // a school keeps recordings for a number of days. Files are named by ids, never by
    // user text; who was in the room while it recorded may listen back.
    R"sql(
    ALTER TABLE people ADD COLUMN may_be_recorded INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE schools ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 90;
    CREATE TABLE recordings (
        id            INTEGER PRIMARY KEY,
        school_id     INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
        room_id       INTEGER REFERENCES rooms(id) ON DELETE SET NULL,
        title         TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        ended_at_ms   INTEGER,
        length_ms     INTEGER NOT NULL DEFAULT 0,
        status        TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted')),
        started_by    INTEGER REFERENCES people(id) ON DELETE SET NULL
    );
    CREATE INDEX recordings_by_school ON recordings (school_id, started_at_ms);
    CREATE TABLE recording_tracks (
        id               INTEGER PRIMARY KEY,
        recording_id     INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        participant_name TEXT NOT NULL,
        person_id        INTEGER REFERENCES people(id) ON DELETE SET NULL,
        channels         INTEGER NOT NULL CHECK (channels IN (1, 2)),
        file             TEXT NOT NULL,
        length_ms        INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE recording_people (
        recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        recorded     INTEGER NOT NULL,
        PRIMARY KEY (recording_id, person_id)
    );
    )sql",
    // 4: takes. A take starts on a bar line of the room's metronome; its tempo and time
    // signature go with it, so a DAW that opens its tracks can put them on its own grid.
    R"sql(
    ALTER TABLE recordings ADD COLUMN take_tempo_millibpm INTEGER;
    ALTER TABLE recordings ADD COLUMN take_beats_per_bar INTEGER;
    )sql",
    // 5: nodes. Several servers share one PostgreSQL; each room lives on one of them at a
    // time, held by a lease the node renews (store/room_leases.h). A recording belongs to
    // the node that writes it. (On SQLite the one server is the one node.)
    R"sql(
    CREATE TABLE nodes (
        name       TEXT PRIMARY KEY,
        ws_url     TEXT NOT NULL,
        seen_at_ms INTEGER NOT NULL
    );
    CREATE TABLE room_leases (
        room_code     TEXT PRIMARY KEY,
        node          TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
    );
    ALTER TABLE recordings ADD COLUMN node TEXT;
    )sql",
};

}  // namespace

std::span<const char* const> shippedMigrations() {
    return kShippedMigrations;
}

int latestSchemaVersion() {
    return static_cast<int>(schemaMigrations().size());
}

int migrateSchema(Database& db) {
    const bool postgres = db.engine() == Database::Engine::Postgres;
    const auto migrations = postgres ? postgresMigrations() : schemaMigrations();
    const int latest = static_cast<int>(migrations.size());
    for (;;) {
        Transaction transaction(db);
        // Nodes sharing one PostgreSQL start together: one migrates while the others wait
        // here, then find the work done. (SQLite's BEGIN IMMEDIATE already serialises.)
        if (postgres) db.exec("SELECT pg_advisory_xact_lock(5172023)");
        const int version = db.schemaVersion();
        if (version > latest)
            throw StoreError("the database has schema version " + std::to_string(version) +
                                 ", newer than this server understands (" + std::to_string(latest) + ")",
                             0);
        if (version == latest) return version;
        db.exec(migrations[static_cast<std::size_t>(version)]);
        db.setSchemaVersion(version + 1);
        transaction.commit();
    }
}

}  // namespace samspil::server
