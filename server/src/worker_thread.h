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
    WorkerThread();
    ~WorkerThread();  ///< finishes the queue, then joins

    /// Any thread: queue a task. False (and the task is dropped) when maxQueued are waiting.
    bool post(std::function<void()> task, std::size_t maxQueued = 256);

private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace samspil::server
