#include "store/database_copy.h"

#include "store/database.h"

#include <array>

namespace samspil::server {
namespace {

// Every table of the store, each after those it refers to. A migration that adds a table
// adds it here (the copy test fails on a table it does not know).
constexpr std::array<const char*, 15> kTables = {
    "schools",  "people",    "rooms",         "memberships", "lessons",          "lesson_participants", "invites",
    "sessions", "audit_log", "chat_messages", "recordings",  "recording_tracks", "recording_people",    "nodes",
    "room_leases"};

// Tables whose ids PostgreSQL counts (identity columns); the others have composite keys.
bool hasIdColumn(std::string_view table) {
    return table != "memberships" && table != "lesson_participants" && table != "recording_people" &&
           table != "nodes" && table != "room_leases";
}

std::int64_t copyTable(Database& from, Database& to, const std::string& table) {
    auto rows = from.prepare("SELECT * FROM " + table + (hasIdColumn(table) ? " ORDER BY id" : ""));
    std::optional<Statement> insert;
    std::int64_t copied = 0;
    while (rows.step()) {
        if (!insert) {  // the INSERT's shape is the source's columns, learnt from its first row
            std::string columns, values;
            for (int i = 0; i < rows.columnCount(); ++i) {
                columns += (i ? ", " : "") + rows.columnName(i);
                values += (i ? ", ?" : "?") + std::to_string(i + 1);
            }
            insert.emplace(to.prepare("INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")"));
        }
        for (int i = 0; i < rows.columnCount(); ++i) {
            switch (rows.columnKind(i)) {
                case ValueKind::Null: insert->bindNull(i + 1); break;
                case ValueKind::Integer: insert->bind(i + 1, rows.columnInt(i)); break;
                case ValueKind::Text: insert->bind(i + 1, std::string_view(rows.columnText(i))); break;
                case ValueKind::Blob: insert->bindBlob(i + 1, rows.columnBlob(i)); break;
            }
        }
        insert->run();
        insert->reset();
        ++copied;
    }
    // Rows came with their ids: PostgreSQL's counter must move past them, or the next new
    // row would be given an id already taken.
    if (to.engine() == Database::Engine::Postgres && hasIdColumn(table))
        to.exec("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM " +
                table);
    return copied;
}

}  // namespace

std::span<const char* const> storeTables() {
    return kTables;
}

bool holdsStoreData(Database& db) {
    for (const char* table : kTables) {
        auto any = db.prepare(std::string("SELECT 1 FROM ") + table + " LIMIT 1");
        if (any.step()) return true;
    }
    return false;
}

Expected<CopySummary, std::string> copyStoreData(Database& from, Database& to) {
    const int version = from.schemaVersion();
    if (to.schemaVersion() != version)
        return Unexpected{"the two databases have different schema versions (" + std::to_string(version) + " and " +
                          std::to_string(to.schemaVersion()) + "): start a server on each first"};
    try {
        if (holdsStoreData(to)) return Unexpected{std::string("the database copied into already holds data")};
        CopySummary summary;
        Transaction transaction(to);
        for (const char* table : kTables) {
            summary.rows += copyTable(from, to, table);
            ++summary.tables;
        }
        transaction.commit();
        return summary;
    } catch (const StoreError& error) {
        return Unexpected{std::string(error.what())};
    }
}

}  // namespace samspil::server
