#include "service_inbox.h"

#include <libwebsockets.h>

namespace samspil::server {

void ServiceInbox::attach(lws_context* context) {
    std::lock_guard lock(mutex_);
    context_ = context;
    if (context_ && !tasks_.empty()) lws_cancel_service(context_);
}

void ServiceInbox::detach() {
    std::lock_guard lock(mutex_);
    context_ = nullptr;
}

void ServiceInbox::post(Task task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    // Under the lock: detach() cannot let the context go between the check and the call.
    if (context_) lws_cancel_service(context_);
}

void ServiceInbox::wake() {
    std::lock_guard lock(mutex_);
    if (context_) lws_cancel_service(context_);
}

void ServiceInbox::drain() {
    std::vector<Task> ready;
    {
        std::lock_guard lock(mutex_);
        ready.swap(tasks_);
    }
    for (auto& task : ready) task();
}

}  // namespace samspil::server
