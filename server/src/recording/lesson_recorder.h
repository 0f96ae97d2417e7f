// LessonRecorder: the server's RecordingSink. Rows go to SQLite on the store thread; each
// participant's packets go, as received, into an Ogg Opus file of their own on the
// recorder thread (never the service thread: a slow disk must not hold up the relay).
// Files live under the recordings folder as <recording id>/<participant id>.opus.
#pragma once

#include "relay_types.h"
#include "worker_thread.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace samspil::server {

class OggOpusTrack;
class ServiceInbox;
class StoreWorker;

class LessonRecorder : public RecordingSink {
public:
    /// folder: where recordings go (created when needed).
    LessonRecorder(StoreWorker& store, ServiceInbox& inbox, std::string folder);
    ~LessonRecorder() override;

    /// Service thread, at startup: recordings a killed server left unfinished are marked
    /// interrupted, and their files cut back to their last whole page.
    void repairInterrupted();
    /// Any thread: deletes recordings past their school's retention (store thread).
    void expireOld();
    /// Service thread, at shutdown before the store stops: every queued packet is written
    /// and every ended recording closed; then the recorder thread stops.
    void stop();

    // RecordingSink (service thread).
    void begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) override;
    void present(std::int64_t recording, std::int64_t personId, bool recorded) override;
    void track(std::int64_t recording, const Track& track) override;
    void media(std::int64_t recording, std::uint32_t participantId, std::int64_t position,
               const SharedMedia& packet) override;
    void end(std::int64_t recording, std::int64_t length) override;

    /// Packets the recorder thread could not keep up with (dropped, counted).
    std::uint64_t dropped() const { return dropped_; }

private:
    static std::string trackFile(std::int64_t recording, std::uint32_t participantId);
    void mix(std::int64_t recording, const std::vector<std::string>& tracks);  // mixer thread

    StoreWorker& store_;
    ServiceInbox& inbox_;
    std::string folder_;
    std::uint64_t dropped_ = 0;  // service thread
    // The open tracks, by recording and participant: the recorder thread's alone.
    std::map<std::int64_t, std::map<std::uint32_t, std::unique_ptr<OggOpusTrack>>> open_;
    WorkerThread mixer_;   // mixes ended recordings, so the recorder thread never waits on one
    WorkerThread thread_;  // last: stopped (joined) before the members it uses go
};

}  // namespace samspil::server
