// Reads a process's CPU time and memory from /proc (Linux).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace samspil::test {

struct ProcessUsage {
    double cpuSeconds = 0;      ///< user + system
    std::uint64_t rssKiB = 0;   ///< resident set size
    std::uint64_t diskWriteBytes = 0;  ///< written to storage so far (/proc/PID/io write_bytes)
    /// CPU seconds per thread name (the server names its threads: sp-store, sp-recorder …);
    /// the main thread, which runs the server's service loop, is "service".
    std::map<std::string, double> threadCpuSeconds;
};

/// The usage of process pid now, or nullopt if it cannot be read.
std::optional<ProcessUsage> readProcessUsage(int pid);

/// This process's user + system CPU seconds.
double selfCpuSeconds();

}  // namespace samspil::test
