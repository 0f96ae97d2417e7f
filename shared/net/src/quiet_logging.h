// libwebsockets logs notices to stderr by default; Samspil's clients want only its errors.
#pragma once

#include <libwebsockets.h>

#include <cstdlib>
#include <mutex>

namespace samspil::net {

inline void quietLibwebsocketsLogging() {
    static std::once_flag once;
    // SAMSPIL_LWS_DEBUG=1 shows what libwebsockets itself does (for diagnosing connections).
    std::call_once(once, [] {
        const char* debug = std::getenv("SAMSPIL_LWS_DEBUG");
        lws_set_log_level(debug && *debug == '1' ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO | LLL_CLIENT : LLL_ERR, nullptr);
    });
}

}  // namespace samspil::net
