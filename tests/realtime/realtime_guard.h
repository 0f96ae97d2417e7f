// RealtimeGuard: what a real-time thread may not do, counted while it is armed — memory
// allocation (malloc and friends, operator new: this program interposes them), locking a
// mutex (pthread_mutex_lock, interposed), any system call (a seccomp filter on the thread
// turns each into a SIGSYS that is counted and answered ENOSYS), and page faults (the
// kernel's count for the thread). Debian's clang has no RealtimeSanitizer; this is enough
// to fail when an audio callback does any of it. Not for sanitizer builds (they interpose
// malloc themselves).
#pragma once

#include <cstdint>
#include <string>

namespace samspil::realtime {

struct Violations {
    std::uint64_t allocations = 0;
    std::uint64_t locks = 0;
    std::uint64_t systemCalls = 0;
    long firstSystemCall = -1;  ///< the number of the first one seen (see `ausyscall`)
    std::uint64_t pageFaults = 0;
    std::uint64_t total() const { return allocations + locks + systemCalls + pageFaults; }
    std::string describe() const;
};

/// On the thread that will run the callback, once: from now on every system call it makes
/// but getrusage and thread exit is refused (and counted while armed).
void confineThisThread();

/// The calling thread's callback starts / ends: what it does in between is counted.
void arm();
void disarm();

/// What the armed stretches of all threads did so far.
Violations violations();

}  // namespace samspil::realtime
