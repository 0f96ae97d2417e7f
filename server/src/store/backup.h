// Backups of a server's data as one file: a consistent copy of the SQLite database made
// with SQLite's online backup API while the server runs (writers carry on; the copy is
// the database as of one instant), plus every lesson recording's files stored in it as
// blobs. The backup is itself a SQLite file (`sqlite3 FILE .tables` opens it), with two
// tables of its own: samspil_backup (what it is, when it was made) and
// samspil_backup_files (recordings-relative path → bytes).
//
// Restoring goes onto a stopped server (the database lock says whether one runs): the
// database is rebuilt from the backup beside the old one, the files are written back,
// and only then does it take the database's place. Runs on the calling thread (admin).
#pragma once

#include "samspil/base/expected.h"

#include <cstdint>
#include <string>

namespace samspil::server {

struct BackupSummary {
    int schemaVersion = 0;
    std::int64_t schools = 0;
    std::int64_t people = 0;
    std::int64_t recordings = 0;
    std::int64_t files = 0;       ///< recording files (tracks and mixes)
    std::int64_t fileBytes = 0;
    std::int64_t madeAtMs = 0;    ///< when the database copy was taken
};

/// Copies the database at `databasePath` (a server may be using it) and the files of its
/// recordings under `recordingsDir` into `backupFile` (written beside it, then renamed).
[[nodiscard]] Expected<BackupSummary, std::string> backupServerData(const std::string& databasePath,
                                                                    const std::string& recordingsDir,
                                                                    const std::string& backupFile);

/// Restores `backupFile` as `databasePath` and its recordings under `recordingsDir`. Refuses
/// while a server uses the database, and when data is already there unless `replace`
/// (then the old database is kept beside it as `<db>.before-restore-<unix ms>`). A backup
/// of an older schema is migrated to this server's.
[[nodiscard]] Expected<BackupSummary, std::string> restoreServerData(const std::string& backupFile,
                                                                     const std::string& databasePath,
                                                                     const std::string& recordingsDir, bool replace);

}  // namespace samspil::server
