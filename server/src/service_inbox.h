// ServiceInbox: how other threads (the store thread, the signal thread) hand work to
// the libwebsockets service thread. post() from anywhere; drain() on the service thread.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

struct lws_context;

namespace samspil::server {

class ServiceInbox {
public:
    using Task = std::function<void()>;

    /// Set once the lws context exists; before that, posts only queue.
    void attach(lws_context* context) { context_ = context; }

    /// Any thread: queue a task and wake the service thread.
    void post(Task task);

    /// Service thread only: run everything queued so far.
    void drain();

private:
    std::mutex mutex_;
    std::vector<Task> tasks_;
    lws_context* context_ = nullptr;
};

}  // namespace samspil::server
