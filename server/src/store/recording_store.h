// RecordingStore: lesson recordings' rows in SQLite — the recording, its tracks (files
// named by ids, relative to the recordings folder), and who was in the room while it
// recorded. Store thread only.
#pragma once

#include "relay_types.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace samspil::server {

class Database;

/// A recording as the API shows it.
struct RecordingInfo {
    std::int64_t id = 0;
    std::int64_t schoolId = 0;
    std::string title;
    std::string room;
    std::int64_t startedAtMs = 0;
    std::int64_t lengthMs = 0;
    std::string status;  ///< recording, complete or interrupted
    double takeBpm = 0;  ///< a take's tempo (it starts on a bar line); 0 for a lesson recording
    int takeBeatsPerBar = 0;
    struct Track {
        std::int64_t id = 0;
        std::string name;
        std::string file;  ///< relative to the recordings folder
        std::int64_t lengthMs = 0;
    };
    std::vector<Track> tracks;
    std::vector<std::string> leftOut;  ///< names of people who were there and not recorded
};

class RecordingStore {
public:
    explicit RecordingStore(Database& db) : db_(db) {}

    /// A new recording of the room, titled after it, written by `node`; its id.
    std::int64_t begin(const RecordingSink::Start& start, std::int64_t startedAtMs, std::string_view node = "local");
    /// A participant's track, stored in `file` (relative to the recordings folder).
    void addTrack(std::int64_t recording, const RecordingSink::Track& track, const std::string& file);
    /// A person with an account was in the room while it recorded (recorded false: left out).
    void notePresent(std::int64_t recording, std::int64_t personId, bool recorded);
    /// The recording is complete: when it ended, how long it is, and each track's length.
    void finish(std::int64_t recording, std::int64_t endedAtMs, std::int64_t lengthMs,
                const std::vector<std::pair<std::string, std::int64_t>>& trackLengthsMs);
    /// Recordings a node left unfinished (killed mid-recording) become "interrupted", and
    /// `node`'s to finish: those of other nodes not seen since `staleBeforeMs`, and — when
    /// `ownToo`, as the node starts — its own from an earlier run. One statement takes each,
    /// so of several nodes noticing, one does. Returns their track files for repair.
    std::vector<std::string> markInterrupted(std::string_view node = "local", std::int64_t staleBeforeMs = 0,
                                             bool ownToo = true);
    /// The track files of every recording of `node` that is no longer being recorded.
    std::map<std::int64_t, std::vector<std::string>> endedTrackFiles(std::string_view node = "local");

    /// One recording with its tracks, or nullopt.
    std::optional<RecordingInfo> find(std::int64_t recording);
    /// The recordings a person may open: those of schools they are the admin of, and those
    /// they were in the room for. Newest first.
    std::vector<RecordingInfo> visibleTo(std::int64_t personId);
    /// Whether the person may open this recording (the same rule as visibleTo()).
    bool mayOpen(std::int64_t recording, std::int64_t personId);
    /// Deletes the rows; returns the track files to delete.
    std::vector<std::string> remove(std::int64_t recording);

private:
    Database& db_;
};

}  // namespace samspil::server
