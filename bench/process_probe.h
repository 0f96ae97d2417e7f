// Reads a process's CPU time and memory from /proc (Linux).
#pragma once

#include <cstdint>
#include <optional>

namespace samspil::bench {

struct ProcessUsage {
    double cpuSeconds = 0;      ///< user + system
    std::uint64_t rssKiB = 0;   ///< resident set size
};

/// The usage of process pid now, or nullopt if it cannot be read.
std::optional<ProcessUsage> readProcessUsage(int pid);

/// This process's user + system CPU seconds.
double selfCpuSeconds();

}  // namespace samspil::bench
