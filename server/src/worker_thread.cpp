#include "worker_thread.h"

#include "log.h"

#include <exception>

#include <pthread.h>

namespace samspil::server {

WorkerThread::WorkerThread(const char* name) : name_(name), thread_([this] { run(); }) {}

WorkerThread::~WorkerThread() {
    stop();
}

bool WorkerThread::post(std::function<void()> task, std::size_t maxQueued) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || tasks_.size() >= maxQueued) return false;
        tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
    return true;
}

void WorkerThread::stop() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(tasks_);
    }
    wake_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    // `dropped` is destroyed here, on the stopping thread, after the worker is gone.
}

void WorkerThread::run() {
    pthread_setname_np(pthread_self(), name_);
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (stopping_ || tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        // A task that throws is logged; the worker goes on with the next one.
        try {
            task();
        } catch (const std::exception& error) {
            logError(std::string("worker: task failed: ") + error.what());
        } catch (...) {
            logError("worker: task failed with an unknown exception");
        }
    }
}

}  // namespace samspil::server
