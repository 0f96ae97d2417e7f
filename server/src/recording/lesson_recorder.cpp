#include "recording/lesson_recorder.h"

#include "log.h"
#include "recording/ogg_opus_track.h"
#include "recording/recording_mix.h"
#include "recording/recording_retention.h"
#include "samspil/time/clock.h"
#include "samspil/protocol/media_packet.h"
#include "service_inbox.h"
#include "store/recording_store.h"
#include "store/database.h"
#include "store/store_worker.h"

#include <filesystem>
#include <thread>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace samspil::server {

namespace {
// Packets waiting for the recorder thread: 50 lessons of 4 at 5 ms frames for 0.8 s
// (it empties the queue every 20 ms; a disk that stalls for longer loses packets, counted).
constexpr std::size_t kQueueSlots = 32'768;
constexpr auto kEmptyEvery = std::chrono::milliseconds(20);
}  // namespace

LessonRecorder::LessonRecorder(StoreWorker& store, ServiceInbox& inbox, std::string folder)
    : store_(store), inbox_(inbox), folder_(std::move(folder)), queue_(kQueueSlots) {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "sp-recorder");
        recorderLoop();
    });
    // Mixing takes ~0.8 s of CPU per lesson-minute; niced, so it never competes with the relay.
    mixer_.post([] { setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10); });
}

LessonRecorder::~LessonRecorder() {
    stop();
}

std::string LessonRecorder::trackFile(std::int64_t recording, std::uint32_t participantId) {
    return std::to_string(recording) + "/" + std::to_string(participantId) + ".opus";
}

void LessonRecorder::repairInterrupted(std::int64_t staleBeforeMs) {
    store_.post([this, folder = folder_, node = nodeName(), staleBeforeMs](Database& db) {
        // At the start (staleBeforeMs 0) also this node's own from its earlier run; later
        // only dead nodes' (its own are being recorded).
        const auto interrupted = RecordingStore(db).markInterrupted(node, staleBeforeMs, staleBeforeMs == 0);
        if (interrupted.empty() && staleBeforeMs != 0) return;  // the periodic look found nothing new
        for (const std::string& file : interrupted) {
            const std::string path = folder + "/" + file;
            if (!std::filesystem::exists(path)) continue;  // the participant never sent a packet
            auto kept = repairTrackFile(path);
            if (kept) logInfo("recording " + file + " was interrupted; kept " + std::to_string(*kept) + " bytes");
            else logError("repairing recording " + file + ": " + kept.error());
        }
        for (const auto& ended : RecordingStore(db).endedTrackFiles(node)) {
            const std::int64_t recording = ended.first;
            if (std::filesystem::exists(folder + "/" + std::to_string(recording) + "/mix.opus")) continue;
            std::vector<std::string> paths;
            for (const std::string& file : ended.second)
                if (std::filesystem::exists(folder + "/" + file)) paths.push_back(folder + "/" + file);
            if (!paths.empty()) mixer_.post([this, recording, paths] { mix(recording, paths); }, 1024);
        }
    });
}

// The mixer thread: mix.opus appears only once whole (written under another name first).
void LessonRecorder::mix(std::int64_t recording, const std::vector<std::string>& tracks) {
    const std::string folder = folder_ + "/" + std::to_string(recording);
    const std::string part = folder + "/mix.opus.part";
    std::error_code ignored;
    std::filesystem::remove(part, ignored);
    auto mixed = mixTracks(tracks, part, &stopping_);
    if (!mixed && stopping_.load()) {
        std::filesystem::remove(part, ignored);
        return logInfo("the mix of recording " + std::to_string(recording) + " was not made: the server stopped");
    }
    if (!mixed) return logError("mixing recording " + std::to_string(recording) + ": " + mixed.error());
    std::filesystem::rename(part, folder + "/mix.opus", ignored);
    if (ignored) logError("mixing recording " + std::to_string(recording) + ": " + ignored.message());
}

void LessonRecorder::expireOld() {
    store_.post([folder = folder_](Database& db) {
        if (const int deleted = expireRecordings(db, folder, unixMillis()))
            logInfo("deleted " + std::to_string(deleted) + " recordings past their school's retention");
    });
}

void LessonRecorder::stop() {
    // Ends still waiting for room (the recorder thread makes room within 20 ms).
    for (int attempt = 0; !pendingEnds_.empty() && attempt < 100 && thread_.joinable(); ++attempt) {
        while (!pendingEnds_.empty() && queue_.tryPush(pendingEnds_.front())) pendingEnds_.pop_front();
        if (!pendingEnds_.empty()) std::this_thread::sleep_for(kEmptyEvery);
    }
    // The recorder thread empties the queue once more after it sees this, then ends.
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
    // A mix the stop cuts short is not made (the tracks are all there to listen to).
    mixer_.stop();
}

bool LessonRecorder::enqueue(const Item& item) {
    if (stopping_.load(std::memory_order_relaxed)) return false;
    // Ends that found the queue full go first, so no recording stays open for ever.
    while (!pendingEnds_.empty() && queue_.tryPush(pendingEnds_.front())) pendingEnds_.pop_front();
    return pendingEnds_.empty() && queue_.tryPush(item);
}

void LessonRecorder::recorderLoop() {
    Item item;
    for (;;) {
        const bool last = stopping_.load();
        while (queue_.tryPop(item)) handle(item);
        item.packet.reset();  // the relay's buffer goes back as soon as it is written
        if (last) return;
        std::this_thread::sleep_for(kEmptyEvery);
    }
}

void LessonRecorder::handle(Item& item) {
    switch (item.kind) {
        case Item::Kind::OpenTrack:
            return openTrack(item);
        case Item::Kind::End:
            return endRecording(item.recording, item.position);
        case Item::Kind::Media: {
            auto tracks = open_.find(item.recording);
            if (tracks == open_.end()) return;
            auto track = tracks->second.find(item.participantId);
            if (track == tracks->second.end()) return;
            const std::uint64_t before = track->second->bytesWritten();
            track->second->write(item.position, item.packet->encoded().subspan(protocol::kMediaHeaderBytes),
                                 monotonicMicros());
            bytesWritten_.fetch_add(track->second->bytesWritten() - before, std::memory_order_relaxed);
            return;
        }
    }
}

void LessonRecorder::begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) {
    store_.post([this, start, done = std::move(done)](Database& db) mutable {
        std::optional<std::int64_t> id;
        try {
            id = RecordingStore(db).begin(start, unixMillis() + start.startsInMs, nodeName());
            std::filesystem::create_directories(folder_ + "/" + std::to_string(*id));
        } catch (const std::exception& error) {
            logError("starting a recording of room " + start.room + ": " + error.what());
            id.reset();
        }
        inbox_.post([done = std::move(done), id] { done(id); });
    });
}

void LessonRecorder::present(std::int64_t recording, std::int64_t personId, bool recorded) {
    store_.post([=](Database& db) { RecordingStore(db).notePresent(recording, personId, recorded); });
}

void LessonRecorder::track(std::int64_t recording, const Track& track) {
    const std::string file = trackFile(recording, track.participantId);
    store_.post([=](Database& db) { RecordingStore(db).addTrack(recording, track, file); });
    Item item;
    item.kind = Item::Kind::OpenTrack;
    item.channels = static_cast<std::uint8_t>(track.channels);
    item.participantId = track.participantId;
    item.recording = recording;
    if (!enqueue(item)) logError("recording " + file + ": the recorder is behind; this track is not recorded");
}

void LessonRecorder::openTrack(const Item& item) {
    auto created = OggOpusTrack::create(folder_ + "/" + trackFile(item.recording, item.participantId), item.channels,
                                        item.participantId, "SAMSPIL_RECORDING=" + std::to_string(item.recording));
    if (!created) return logError("recording: " + created.error());
    open_[item.recording][item.participantId] = std::move(*created);
}

void LessonRecorder::media(std::int64_t recording, std::uint32_t participantId, std::int64_t position,
                           const SharedMedia& packet) {
    Item item;
    item.participantId = participantId;
    item.recording = recording;
    item.position = position;
    item.packet = packet;
    if (!enqueue(item)) ++dropped_;
}

void LessonRecorder::end(std::int64_t recording, std::int64_t length) {
    Item item;
    item.kind = Item::Kind::End;
    item.recording = recording;
    item.position = length;
    if (!enqueue(item)) pendingEnds_.push_back(item);  // the queue is full: sent with the next packet
}

void LessonRecorder::endRecording(std::int64_t recording, std::int64_t length) {
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
    store_.post([=](Database& db) { RecordingStore(db).finish(recording, unixMillis(), length / 48, lengthsMs); });
}

}  // namespace samspil::server
