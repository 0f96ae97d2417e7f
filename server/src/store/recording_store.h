// RecordingStore: lesson recordings' rows in SQLite — the recording, its tracks (files
// named by ids, relative to the recordings folder), and who was in the room while it
// recorded. Store thread only.
#pragma once

#include "relay_types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace samspil::server {

class SqliteDatabase;

class RecordingStore {
public:
    explicit RecordingStore(SqliteDatabase& db) : db_(db) {}

    /// A new recording of the room, titled after it; its id.
    std::int64_t begin(const RecordingSink::Start& start, std::int64_t startedAtMs);
    /// A participant's track, stored in `file` (relative to the recordings folder).
    void addTrack(std::int64_t recording, const RecordingSink::Track& track, const std::string& file);
    /// A person with an account was in the room while it recorded (recorded false: left out).
    void notePresent(std::int64_t recording, std::int64_t personId, bool recorded);
    /// The recording is complete: when it ended, how long it is, and each track's length.
    void finish(std::int64_t recording, std::int64_t endedAtMs, std::int64_t lengthMs,
                const std::vector<std::pair<std::string, std::int64_t>>& trackLengthsMs);
    /// Recordings a server left unfinished (killed mid-recording) become "interrupted";
    /// returns their track files for repair.
    std::vector<std::string> markInterrupted();

private:
    SqliteDatabase& db_;
};

}  // namespace samspil::server
