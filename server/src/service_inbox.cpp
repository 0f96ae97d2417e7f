#include "service_inbox.h"

#include <libwebsockets.h>

namespace samspil::server {

void ServiceInbox::post(Task task) {
    {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
    }
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
