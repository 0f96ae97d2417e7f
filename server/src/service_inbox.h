// ServiceInbox: how other threads (the store thread, the password worker, the signal
// thread) hand work to the libwebsockets service thread. post() from anywhere; drain() on
// the service thread.
//
// The lws context is attached once it exists and detached before it is destroyed; both
// under the same lock as the wake-up, so no thread ever wakes a context that is gone.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

struct lws_context;

namespace samspil::server {

class ServiceInbox {
public:
    using Task = std::function<void()>;

    /// Service thread: the context exists; wakes it at once if tasks are already queued.
    void attach(lws_context* context);

    /// Service thread, before the context is destroyed: later posts only queue (and are
    /// dropped with the inbox).
    void detach();

    /// Any thread: queue a task and wake the service thread.
    void post(Task task);

    /// Any thread: wake the service thread without a task (e.g. to notice a stop request).
    void wake();

    /// Service thread only: run everything queued so far.
    void drain();

private:
    std::mutex mutex_;
    std::vector<Task> tasks_;         // guarded by mutex_
    lws_context* context_ = nullptr;  // guarded by mutex_
};

}  // namespace samspil::server
