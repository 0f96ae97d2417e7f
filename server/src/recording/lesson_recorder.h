// LessonRecorder: the server's RecordingSink. Rows go to SQLite on the store thread; each
// participant's packets go, as received, into an Ogg Opus file of their own on the
// recorder thread (never the service thread: a slow disk must not hold up the relay).
// Files live under the recordings folder as <recording id>/<participant id>.opus.
//
// The service thread hands packets over through a preallocated single-producer queue (a
// shared pointer copied into a slot: no allocation, no lock, no wake-up per packet); the
// recorder thread empties it every 20 ms. Tracks opening and recordings ending go through
// the same queue, so they stay in order with the packets.
#pragma once

#include "relay_types.h"
#include "store/room_leases.h"
#include "samspil/rt/spsc_queue.h"
#include "worker_thread.h"

#include <atomic>
#include <deque>
#include <thread>

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

    /// Service thread, at startup (and, on nodes sharing PostgreSQL, every few seconds):
    /// recordings a killed server or node left unfinished are marked interrupted, and their
    /// files cut back to their last whole page; this node's ended recordings without a mix
    /// (interrupted, or their mix cut short by a stop) get one. staleBeforeMs: nodes not
    /// seen since are dead (0: only this node's own).
    void repairInterrupted(std::int64_t staleBeforeMs = 0);
    /// Before the first recording: which node writes this server's recordings.
    void useNode(const NodeIdentity& node) { node_ = &node; }
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
    /// Any thread: bytes written to recording files so far.
    std::uint64_t bytesWritten() const { return bytesWritten_.load(std::memory_order_relaxed); }

private:
    // One item of the service thread → recorder thread queue.
    struct Item {
        enum class Kind : std::uint8_t { Media, OpenTrack, End } kind = Kind::Media;
        std::uint8_t channels = 1;       // OpenTrack
        std::uint32_t participantId = 0;
        std::int64_t recording = 0;
        std::int64_t position = 0;       // Media: samples since the start; End: the length
        SharedMedia packet;              // Media
    };

    static std::string trackFile(std::int64_t recording, std::uint32_t participantId);
    std::string nodeName() const { return node_ ? node_->name : std::string("local"); }
    bool enqueue(const Item& item);  // service thread
    void recorderLoop();             // recorder thread
    void handle(Item& item);         // recorder thread
    void openTrack(const Item& item);
    void endRecording(std::int64_t recording, std::int64_t length);
    void mix(std::int64_t recording, const std::vector<std::string>& tracks);  // mixer thread

    StoreWorker& store_;
    ServiceInbox& inbox_;
    std::string folder_;
    const NodeIdentity* node_ = nullptr;  // set before serving; read by store jobs
    std::uint64_t dropped_ = 0;  // service thread
    std::atomic<std::uint64_t> bytesWritten_{0};  // recorder thread writes
    SpscQueue<Item> queue_;      // service thread → recorder thread
    std::deque<Item> pendingEnds_;  // service thread: ends that found the queue full
    std::atomic<bool> stopping_{false};
    // The open tracks, by recording and participant: the recorder thread's alone.
    std::map<std::int64_t, std::map<std::uint32_t, std::unique_ptr<OggOpusTrack>>> open_;
    WorkerThread mixer_{"sp-mixer"};  // mixes ended recordings, so the recorder thread never waits on one
    std::thread thread_;              // last: started after, joined before the members it uses
};

}  // namespace samspil::server
