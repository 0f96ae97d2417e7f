// StoreWorker: the one thread that touches the database (SQLite or PostgreSQL). Other threads hand it jobs;
// jobs run in the order given; results go back through whatever the job captures
// (normally the ServiceInbox).
#pragma once

#include "metrics.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace samspil::server {

class Database;
class DatabaseLock;

class StoreWorker {
public:
    using Job = std::function<void(Database&)>;

    /// Opens (an SQLite file: creating the folder and file if needed; a postgresql:// URL:
    /// connecting) and migrates the database on the calling thread, so a bad --db fails at
    /// startup; then starts the store thread. sharedByNodes: one of several nodes on one
    /// PostgreSQL database (otherwise the database is this server's alone, and locked).
    explicit StoreWorker(const std::string& database, bool sharedByNodes = false);
    ~StoreWorker();  ///< stop()

    /// Any thread: queue a job. Jobs after stop() are ignored.
    void post(Job job);

    /// Any thread: runs the remaining jobs, checkpoints the WAL, closes the database, joins.
    void stop();

    /// Jobs that threw (logged; a throwing job never stops the store thread).
    std::uint64_t failedJobs() const { return failed_.load(); }
    /// Any thread: how long the jobs so far took (a copy).
    LatencyHistogram jobLatency() const;
    int schemaVersion() const { return schemaVersion_; }

private:
    void run();  // the store thread

    std::unique_ptr<DatabaseLock> lock_;  // held while the server runs (first: released last)
    std::unique_ptr<Database> db_;
    int schemaVersion_ = 0;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> failed_{0};
    mutable std::mutex latencyMutex_;
    LatencyHistogram jobLatency_;  // guarded by latencyMutex_
    std::thread thread_;
};

}  // namespace samspil::server
