// WorkerThread: one thread running queued tasks in order (password hashing, so that the
// ~50 ms of Argon2id per sign-in never holds up the service or store thread).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace samspil::server {

class WorkerThread {
public:
    /// name: the thread's name in top -H, ps -L and /proc (at most 15 characters).
    explicit WorkerThread(const char* name = "sp-worker");
    ~WorkerThread();  ///< stop()

    /// Any thread: queue a task. False (and the task is dropped) when maxQueued are waiting
    /// or the worker has stopped.
    bool post(std::function<void()> task, std::size_t maxQueued = 256);

    /// Any thread but the worker: lets the running task finish, drops the ones not yet
    /// started (a server that is stopping answers no more sign-ins), and joins. Idempotent.
    void stop();

private:
    void run();  // the worker thread

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;  // guarded by mutex_
    bool stopping_ = false;                    // guarded by mutex_
    const char* name_;
    std::thread thread_;
};

}  // namespace samspil::server
