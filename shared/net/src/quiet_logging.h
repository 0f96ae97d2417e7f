// libwebsockets logs notices to stderr by default; Samspil's clients want only its errors.
#pragma once

#include <libwebsockets.h>

#include <mutex>

namespace samspil::net {

inline void quietLibwebsocketsLogging() {
    static std::once_flag once;
    std::call_once(once, [] { lws_set_log_level(LLL_ERR, nullptr); });
}

}  // namespace samspil::net
