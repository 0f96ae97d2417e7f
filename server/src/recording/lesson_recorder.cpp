#include "recording/lesson_recorder.h"

#include "log.h"
#include "recording/ogg_opus_track.h"
#include "recording/recording_mix.h"
#include "recording/recording_retention.h"
#include "samspil/core/clock.h"
#include "samspil/core/media_packet.h"
#include "service_inbox.h"
#include "store/recording_store.h"
#include "store/sqlite.h"
#include "store/store_worker.h"

#include <filesystem>
#include <future>

namespace samspil::server {

namespace {
// Packets waiting for the recorder thread: 50 lessons of 4 for about a second.
constexpr std::size_t kMaxQueued = 40'000;
}  // namespace

LessonRecorder::LessonRecorder(StoreWorker& store, ServiceInbox& inbox, std::string folder)
    : store_(store), inbox_(inbox), folder_(std::move(folder)) {}

LessonRecorder::~LessonRecorder() {
    stop();
}

std::string LessonRecorder::trackFile(std::int64_t recording, std::uint32_t participantId) {
    return std::to_string(recording) + "/" + std::to_string(participantId) + ".opus";
}

void LessonRecorder::repairInterrupted() {
    store_.post([folder = folder_](SqliteDatabase& db) {
        for (const std::string& file : RecordingStore(db).markInterrupted()) {
            const std::string path = folder + "/" + file;
            if (!std::filesystem::exists(path)) continue;  // the participant never sent a packet
            auto kept = repairTrackFile(path);
            if (kept) logInfo("recording " + file + " was interrupted; kept " + std::to_string(*kept) + " bytes");
            else logError("repairing recording " + file + ": " + kept.error());
        }
    });
}

// The mixer thread: mix.opus appears only once whole (written under another name first).
void LessonRecorder::mix(std::int64_t recording, const std::vector<std::string>& tracks) {
    const std::string folder = folder_ + "/" + std::to_string(recording);
    const std::string part = folder + "/mix.opus.part";
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    auto mixed = mixTracks(tracks, part);
    if (!mixed) return logError("mixing recording " + std::to_string(recording) + ": " + mixed.error());
    std::filesystem::rename(part, folder + "/mix.opus", ignored);
    if (ignored) logError("mixing recording " + std::to_string(recording) + ": " + ignored.message());
}

void LessonRecorder::expireOld() {
    store_.post([folder = folder_](SqliteDatabase& db) {
        if (const int deleted = expireRecordings(db, folder, unixMillis()))
            logInfo("deleted " + std::to_string(deleted) + " recordings past their school's retention");
    });
}

void LessonRecorder::stop() {
    // Tasks run in order: once this one runs, everything queued before it is on disk.
    auto drained = std::make_shared<std::promise<void>>();
    auto done = drained->get_future();
    if (thread_.post([drained] { drained->set_value(); }, kMaxQueued + 1))
        done.wait_for(std::chrono::seconds(10));
    thread_.stop();
    // A mix the stop cuts short is not made (the tracks are all there to listen to).
    mixer_.stop();
}

void LessonRecorder::begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) {
    store_.post([this, start, done = std::move(done)](SqliteDatabase& db) mutable {
        std::optional<std::int64_t> id;
        try {
            id = RecordingStore(db).begin(start, unixMillis());
            std::filesystem::create_directories(folder_ + "/" + std::to_string(*id));
        } catch (const std::exception& error) {
            logError("starting a recording of room " + start.room + ": " + error.what());
            id.reset();
        }
        inbox_.post([done = std::move(done), id] { done(id); });
    });
}

void LessonRecorder::present(std::int64_t recording, std::int64_t personId, bool recorded) {
    store_.post([=](SqliteDatabase& db) { RecordingStore(db).notePresent(recording, personId, recorded); });
}

void LessonRecorder::track(std::int64_t recording, const Track& track) {
    const std::string file = trackFile(recording, track.participantId);
    store_.post([=](SqliteDatabase& db) { RecordingStore(db).addTrack(recording, track, file); });
    thread_.post([this, recording, track, file] {
        auto created = OggOpusTrack::create(folder_ + "/" + file, track.channels, track.participantId,
                                            "SAMSPIL_RECORDING=" + std::to_string(recording));
        if (!created) return logError("recording: " + created.error());
        open_[recording][track.participantId] = std::move(*created);
    }, kMaxQueued + 1);
}

void LessonRecorder::media(std::int64_t recording, std::uint32_t participantId, std::int64_t position,
                           const SharedMedia& packet) {
    const bool queued = thread_.post(
        [this, recording, participantId, position, packet] {
            auto tracks = open_.find(recording);
            if (tracks == open_.end()) return;
            auto track = tracks->second.find(participantId);
            if (track == tracks->second.end()) return;
            track->second->write(position, packet->encoded().subspan(protocol::kMediaHeaderBytes), monotonicMicros());
        },
        kMaxQueued);
    if (!queued) ++dropped_;
}

void LessonRecorder::end(std::int64_t recording, std::int64_t length) {
    thread_.post(
        [this, recording, length] {
            std::vector<std::pair<std::string, std::int64_t>> lengthsMs;
            std::vector<std::string> paths;
            if (auto tracks = open_.find(recording); tracks != open_.end()) {
                for (auto& [participantId, track] : tracks->second) {
                    track->padTo(length);
                    track->finish();
                    if (track->failed()) logError("recording " + trackFile(recording, participantId) + ": a write failed");
                    lengthsMs.emplace_back(trackFile(recording, participantId), track->length() / 48);
                    paths.push_back(folder_ + "/" + trackFile(recording, participantId));
                }
                open_.erase(tracks);
            }
            if (!paths.empty()) mixer_.post([this, recording, paths] { mix(recording, paths); }, 1024);
            store_.post([=](SqliteDatabase& db) {
                RecordingStore(db).finish(recording, unixMillis(), length / 48, lengthsMs);
            });
        },
        kMaxQueued + 1);
}

}  // namespace samspil::server
