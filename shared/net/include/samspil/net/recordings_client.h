// The signed-in person's lesson recordings through the HTTP API (docs/api.md, "Lesson
// recordings"): the list, a file downloaded to disk, a deletion. Blocking: call from a
// worker thread, never from the audio or message thread.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/net/http_client.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samspil::net {

struct RecordedTrack {
    std::int64_t id = 0;
    std::string name;
    std::int64_t lengthMs = 0;
    std::string download;  ///< API path
};

struct RecordingSummary {
    std::int64_t id = 0;
    std::string title;   ///< the room's name
    std::string room;    ///< the room's code
    std::int64_t startedAtMs = 0;  ///< Unix time
    std::int64_t lengthMs = 0;
    std::string status;  ///< "recording", "complete" or "interrupted"
    std::vector<RecordedTrack> tracks;
    std::optional<std::string> mixDownload;  ///< API path, once the mix is made
    std::vector<std::string> notRecorded;    ///< names left out (no consent)
    bool mayDelete = false;
    double takeBpm = 0;         ///< a take (it starts on a bar line) at this tempo; 0 for a lesson
    int takeBeatsPerBar = 4;
};

/// GET /api/v1/recordings: newest first; the server's sentence when it refuses.
[[nodiscard]] Expected<std::vector<RecordingSummary>, std::string> fetchRecordings(const std::string& serverUrl,
                                                                                   const std::string& token,
                                                                                   HttpOptions options = {});

/// Downloads an API path (a mix or a track) into `file`, written beside it first and renamed
/// when complete, so a half download never looks like a file. Returns the byte count.
[[nodiscard]] Expected<std::uint64_t, std::string> downloadRecordingFile(const std::string& serverUrl,
                                                                         const std::string& token,
                                                                         const std::string& apiPath,
                                                                         const std::string& file,
                                                                         HttpOptions options = {});

/// DELETE /api/v1/recordings/{id}; the server's sentence when it refuses.
[[nodiscard]] Expected<bool, std::string> deleteRecording(const std::string& serverUrl, const std::string& token,
                                                        std::int64_t id, HttpOptions options = {});

/// Parses the list's JSON (exposed for tests); the reason when it is not a list of recordings.
[[nodiscard]] Expected<std::vector<RecordingSummary>, std::string> parseRecordingList(const std::string& json);

}  // namespace samspil::net
