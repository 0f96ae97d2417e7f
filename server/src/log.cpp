#include "log.h"

#include <libwebsockets.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace samspil::server {
namespace {

std::mutex logMutex;

void write(const char* level, std::string_view message) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::lock_guard lock(logMutex);
    std::fprintf(stderr, "%s.%03ldZ %s %.*s\n", stamp, now.tv_nsec / 1'000'000, level, static_cast<int>(message.size()),
                 message.data());
}

void fromLibwebsockets(int level, const char* line) {
    std::string text(line ? line : "");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    write(level == LLL_ERR ? "ERROR" : "WARN", "lws: " + text);
}

}  // namespace

void logInfo(std::string_view message) {
    write("INFO", message);
}
void logWarning(std::string_view message) {
    write("WARN", message);
}
void logError(std::string_view message) {
    write("ERROR", message);
}

void routeLibwebsocketsLogging() {
    lws_set_log_level(LLL_ERR | LLL_WARN, fromLibwebsockets);
}

}  // namespace samspil::server
