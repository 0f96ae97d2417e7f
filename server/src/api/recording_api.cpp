// Lesson recordings in the API: who may list, open, download and delete them. A school's
// admin sees the school's recordings; a teacher or student sees those they were in the room
// for; nobody else sees any (404, as for anything that is not theirs). Files are found by
// ids in the database, never by a path from the request. Store thread.
#include "accounts/people_store.h"
#include "api/api_handlers.h"
#include "api/listen_links.h"
#include "log.h"
#include "recording/recording_deletion.h"
#include "store/recording_store.h"
#include "store/database.h"

#include <filesystem>

namespace samspil::server {

using protocol::ErrorCode;

namespace {

std::string mixPath(const ApiContext& context, std::int64_t recording) {
    return context.recordingsDir + "/" + std::to_string(recording) + "/mix.opus";
}

// The school's admin, or a teacher who was in it; students may listen, not delete.
bool mayDelete(const ApiContext& context, const RecordingInfo& info) {
    const auto role = context.caller.roleIn(info.schoolId);
    return role == Role::Admin || role == Role::Teacher;
}

// A download path and its listen link: the same path with the caller's ticket, which opens
// it without the Authorization header (an <audio> element cannot send one).
struct FileLinks {
    nlohmann::json download;
    nlohmann::json listen;
};

FileLinks fileLinks(const ApiContext& context, std::int64_t recording, const std::string& path) {
    if (!context.listenLinks) return {path, nullptr};
    return {path, path + "?ticket=" + context.listenLinks->ticket(recording, context.caller.person.id, context.nowMs)};
}

nlohmann::json recordingJson(const ApiContext& context, const RecordingInfo& info) {
    const std::string base = "/api/v1/recordings/" + std::to_string(info.id);
    nlohmann::json tracks = nlohmann::json::array();
    for (const auto& track : info.tracks) {
        const FileLinks links = fileLinks(context, info.id, base + "/tracks/" + std::to_string(track.id));
        tracks.push_back({{"id", track.id}, {"name", track.name}, {"length_ms", track.lengthMs},
                          {"download", links.download}, {"listen", links.listen}});
    }
    // The mix, once it is made (seconds after the recording ends).
    const FileLinks mix = std::filesystem::exists(mixPath(context, info.id)) ? fileLinks(context, info.id, base + "/mix")
                                                                              : FileLinks{nullptr, nullptr};
    return {{"id", info.id},           {"school_id", info.schoolId}, {"title", info.title},
            {"room", info.room},       {"started_at_ms", info.startedAtMs}, {"length_ms", info.lengthMs},
            {"status", info.status},   {"tracks", std::move(tracks)}, {"not_recorded", info.leftOut},
            {"mix", mix.download},     {"mix_listen", mix.listen},
            // A take starts on a bar line at this tempo: a DAW can put its tracks on its grid.
            {"take", info.takeBpm > 0 ? nlohmann::json{{"bpm", info.takeBpm}, {"beats_per_bar", info.takeBeatsPerBar}}
                                      : nlohmann::json(nullptr)},
            // What the caller may do with it, so a page shows the right buttons.
            {"you_may_delete", mayDelete(context, info)}};
}

// The recording if the caller may open it.
std::optional<RecordingInfo> visibleRecording(ApiContext& context) {
    RecordingStore store(context.db);
    if (!store.mayOpen(context.ids.at(0), context.caller.person.id)) return std::nullopt;
    return store.find(context.ids.at(0));
}

}  // namespace

ApiResponse listRecordings(ApiContext& context) {
    nlohmann::json list = nlohmann::json::array();
    for (const RecordingInfo& info : RecordingStore(context.db).visibleTo(context.caller.person.id))
        list.push_back(recordingJson(context, info));
    return {200, {{"recordings", std::move(list)}}};
}

ApiResponse getRecording(ApiContext& context) {
    const auto info = visibleRecording(context);
    if (!info) return apiError(404, ErrorCode::NotFound);
    return {200, recordingJson(context, *info)};
}

ApiResponse downloadMix(ApiContext& context) {
    const auto info = visibleRecording(context);
    if (!info) return apiError(404, ErrorCode::NotFound);
    const std::string path = mixPath(context, info->id);
    if (!std::filesystem::exists(path)) return apiError(404, ErrorCode::NotFound, "the mix is not made yet");
    ApiResponse answer;
    answer.file = FileAnswer{path, "audio/ogg", "samspil-recording-" + std::to_string(info->id) + "-mix.opus"};
    return answer;
}

ApiResponse downloadTrack(ApiContext& context) {
    const auto info = visibleRecording(context);
    if (!info) return apiError(404, ErrorCode::NotFound);
    for (const auto& track : info->tracks) {
        if (track.id != context.ids.at(1)) continue;
        const std::string path = context.recordingsDir + "/" + track.file;
        if (!std::filesystem::exists(path)) return apiError(404, ErrorCode::NotFound, "the file is gone");
        ApiResponse answer;
        answer.file = FileAnswer{path, "audio/ogg",
                                 "samspil-recording-" + std::to_string(info->id) + "-track-" + std::to_string(track.id) + ".opus"};
        return answer;
    }
    return apiError(404, ErrorCode::NotFound);
}

ApiResponse deleteRecording(ApiContext& context) {
    const auto info = visibleRecording(context);
    if (!info) return apiError(404, ErrorCode::NotFound);
    if (!mayDelete(context, *info)) return apiError(403, ErrorCode::NotAllowed);
    if (info->status == "recording") return apiError(409, ErrorCode::Conflict, "it is still being recorded");
    deleteRecording(context.db, context.recordingsDir, info->id,
                    auditEntry(context, info->schoolId, "recording.delete", "recording:" + std::to_string(info->id), info->title));
    return {204, nullptr};
}

}  // namespace samspil::server
