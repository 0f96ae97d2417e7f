#include "store/store_worker.h"

#include "log.h"
#include "samspil/time/clock.h"
#include "store/database_lock.h"
#include "store/schema.h"
#include "store/sqlite.h"

#include <exception>
#include <filesystem>

#include <pthread.h>

namespace samspil::server {

StoreWorker::StoreWorker(const std::string& path) {
    const std::filesystem::path file(path);
    if (file.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        if (error) throw SqliteError("creating " + file.parent_path().string() + ": " + error.message(), 0);
    }
    // One server per database: a second one (or a restore) is told, not let in.
    auto lock = DatabaseLock::take(path);
    if (!lock) throw SqliteError(lock.error(), 0);
    lock_ = std::make_unique<DatabaseLock>(std::move(*lock));
    db_ = std::make_unique<SqliteDatabase>(path);
    schemaVersion_ = migrateSchema(*db_);
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "sp-store");  // its name in top -H and the bench
        run();
    });
}

StoreWorker::~StoreWorker() {
    stop();
}

void StoreWorker::post(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void StoreWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (db_) {
        try {
            db_->checkpoint();
        } catch (const SqliteError& error) {
            logWarning("store: " + std::string(error.what()));
        }
        db_.reset();
    }
}

LatencyHistogram StoreWorker::jobLatency() const {
    std::lock_guard lock(latencyMutex_);
    return jobLatency_;
}

void StoreWorker::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping and drained
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        const std::int64_t startedUs = monotonicMicros();
        try {
            job(*db_);
            const double seconds = static_cast<double>(monotonicMicros() - startedUs) / 1e6;
            std::lock_guard lock(latencyMutex_);
            jobLatency_.observe(seconds);
        } catch (const SqliteError& error) {
            ++failed_;
            logError("store: " + std::string(error.what()) + " (SQLite code " + std::to_string(error.code()) + ")");
        } catch (const std::exception& error) {
            // Not a database problem (a JSON type error, say): that job fails, the store goes on.
            ++failed_;
            logError("store: job failed: " + std::string(error.what()));
        } catch (...) {
            ++failed_;
            logError("store: job failed with an unknown exception");
        }
    }
}

}  // namespace samspil::server
