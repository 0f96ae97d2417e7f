#include "realtime_guard.h"

#include <dlfcn.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace samspil::realtime {
namespace {

thread_local bool armed = false;
thread_local long faultsAtArm = 0;
std::atomic<std::uint64_t> allocations{0}, locks{0}, systemCalls{0}, pageFaults{0};
std::atomic<long> firstSystemCall{-1};

void noteAllocation() {
    if (armed) allocations.fetch_add(1, std::memory_order_relaxed);
}

long threadFaults() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt + usage.ru_majflt;
}

// A refused system call: counted when armed, answered "not implemented" either way.
void onSystemCall(int, siginfo_t* info, void* context) {
    if (armed) {
        systemCalls.fetch_add(1, std::memory_order_relaxed);
        long none = -1;
        firstSystemCall.compare_exchange_strong(none, info->si_syscall);
    }
    static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

}  // namespace

void confineThisThread() {
    struct sigaction action {};
    action.sa_sigaction = &onSystemCall;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &action, nullptr);
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getrusage, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        static const char message[] = "realtime check: could not install the seccomp filter\n";
        ::write(2, message, sizeof message - 1);
        std::abort();
    }
}

void arm() {
    faultsAtArm = threadFaults();
    armed = true;
}

void disarm() {
    armed = false;
    pageFaults.fetch_add(static_cast<std::uint64_t>(threadFaults() - faultsAtArm), std::memory_order_relaxed);
}

Violations violations() {
    return {allocations.load(), locks.load(), systemCalls.load(), firstSystemCall.load(), pageFaults.load()};
}

std::string Violations::describe() const {
    return std::to_string(allocations) + " allocations, " + std::to_string(locks) + " mutex locks, " +
           std::to_string(systemCalls) + " system calls" +
           (firstSystemCall >= 0 ? " (the first: number " + std::to_string(firstSystemCall) + ")" : "") + ", " +
           std::to_string(pageFaults) + " page faults";
}

}  // namespace samspil::realtime

// ---- the interposed functions (this executable's definitions win over libc's) ----------

using samspil::realtime::noteAllocation;

extern "C" void* malloc(size_t size) {
    noteAllocation();
    return __libc_malloc(size);
}
extern "C" void* calloc(size_t count, size_t size) {
    noteAllocation();
    return __libc_calloc(count, size);
}
extern "C" void* realloc(void* pointer, size_t size) {
    noteAllocation();
    return __libc_realloc(pointer, size);
}
extern "C" void free(void* pointer) {
    noteAllocation();  // freeing is the allocator's work too (and may take its lock)
    __libc_free(pointer);
}
extern "C" void* memalign(size_t alignment, size_t size) {
    noteAllocation();
    return __libc_memalign(alignment, size);
}
extern "C" void* aligned_alloc(size_t alignment, size_t size) {
    noteAllocation();
    return __libc_memalign(alignment, size);
}
extern "C" int posix_memalign(void** out, size_t alignment, size_t size) {
    noteAllocation();
    *out = __libc_memalign(alignment, size);
    return *out ? 0 : ENOMEM;
}
extern "C" int pthread_mutex_lock(pthread_mutex_t* mutex) {
    using Lock = int (*)(pthread_mutex_t*);
    static const Lock real = reinterpret_cast<Lock>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    if (samspil::realtime::armed) samspil::realtime::locks.fetch_add(1, std::memory_order_relaxed);
    return real(mutex);
}
