#include "samspil/time/clock.h"

#include <cerrno>
#include <ctime>

namespace samspil {

std::int64_t monotonicMicros() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

std::int64_t unixMillis() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

void sleepUntilMicros(std::int64_t deadlineUs) {
    timespec deadline{};
    deadline.tv_sec = static_cast<time_t>(deadlineUs / 1'000'000);
    deadline.tv_nsec = static_cast<long>((deadlineUs % 1'000'000) * 1000);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
    }
}

}  // namespace samspil
