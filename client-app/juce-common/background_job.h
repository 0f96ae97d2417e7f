// BackgroundJob: runs one blocking job (an HTTP sign-in, a line check) on a thread it owns
// and hands the result to the message thread. The destructor joins the thread, so no job
// outlives the panel that started it, nor the code of a plugin the host unloads.
//
// Threads: start() and the `done` callback run on the message thread; the job on its own.
#pragma once

#include <juce_events/juce_events.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace samspil::ui {

template <typename Result>
class BackgroundJob : private juce::AsyncUpdater {
public:
    BackgroundJob() = default;
    BackgroundJob(const BackgroundJob&) = delete;
    BackgroundJob& operator=(const BackgroundJob&) = delete;

    /// Waits for a running job to end (its result is dropped). A blocking job ends by its
    /// own timeout, so this can take as long as that in the worst case.
    ~BackgroundJob() override {
        join();
        cancelPendingUpdate();
    }

    /// Message thread: runs `job` on the job's thread; `done` gets its result on the
    /// message thread. False (nothing started) while the previous job still runs.
    bool start(std::function<Result()> job, std::function<void(Result)> done) {
        if (running_.load()) return false;
        join();
        done_ = std::move(done);
        running_.store(true);
        thread_ = std::thread([this, job = std::move(job)] {
            Result result = job();
            {
                std::lock_guard lock(mutex_);
                result_ = std::move(result);
            }
            running_.store(false);
            triggerAsyncUpdate();
        });
        return true;
    }

    /// Any thread: whether a job is running.
    bool running() const { return running_.load(); }

private:
    void handleAsyncUpdate() override {  // message thread
        join();
        std::optional<Result> result;
        {
            std::lock_guard lock(mutex_);
            result.swap(result_);
        }
        if (result && done_) done_(std::move(*result));
    }

    void join() {
        if (thread_.joinable()) thread_.join();
    }

    std::thread thread_;
    std::atomic<bool> running_{false};
    std::mutex mutex_;
    std::optional<Result> result_;       // guarded by mutex_
    std::function<void(Result)> done_;   // message thread
};

}  // namespace samspil::ui
