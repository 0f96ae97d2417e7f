#include "store/store_worker.h"

#include "log.h"
#include "samspil/time/clock.h"
#include "store/database_lock.h"
#include "store/schema.h"
#include "store/database.h"

#include <exception>
#include <filesystem>

#include <pthread.h>

namespace samspil::server {

StoreWorker::StoreWorker(const std::string& database, bool sharedByNodes) {
    if (!isPostgresUrl(database)) {
        const std::filesystem::path file(database);
        if (file.has_parent_path()) {
            std::error_code error;
            std::filesystem::create_directories(file.parent_path(), error);
            if (error) throw StoreError("creating " + file.parent_path().string() + ": " + error.message(), 0);
        }
        // One server per SQLite file: a second one (or a restore) is told, not let in. Nodes
        // sharing PostgreSQL are many by design.
        auto lock = DatabaseLock::take(database);
        if (!lock) throw StoreError(lock.error(), 0);
        lock_ = std::make_unique<DatabaseLock>(std::move(*lock));
    }
    db_ = openDatabase(database);
    if (isPostgresUrl(database) && !sharedByNodes) {
        // Without --node, one server per PostgreSQL database too: a session lock that
        // PostgreSQL lets go of when this server's connection ends, however it ends.
        auto locked = db_->prepare("SELECT pg_try_advisory_lock(5172024)");
        if (!locked.step() || locked.columnInt(0) == 0)
            throw StoreError("the database " + database + " is in use by a running samspil-server", 0);
    }
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
        } catch (const StoreError& error) {
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
        } catch (const StoreError& error) {
            ++failed_;
            logError("store: " + std::string(error.what()) +
                     (error.code() ? " (SQLite code " + std::to_string(error.code()) + ")" : std::string()));
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
