#include "process_probe.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace samspil::test {
namespace {

// utime + stime of a /proc stat file, in seconds.
std::optional<double> cpuSecondsOf(const std::string& statPath) {
    std::ifstream statFile(statPath);
    std::string stat;
    if (!std::getline(statFile, stat)) return std::nullopt;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14) utime = std::stoull(field);
        if (index == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<ProcessUsage> readProcessUsage(int pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    const auto cpu = cpuSecondsOf(proc + "/stat");
    if (!cpu) return std::nullopt;
    ProcessUsage usage;
    usage.cpuSeconds = *cpu;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(proc + "/task", error)) {
        std::string name;
        std::getline(std::ifstream(task.path() / "comm"), name);
        if (task.path().filename() == std::to_string(pid)) name = "service";
        if (const auto seconds = cpuSecondsOf((task.path() / "stat").string())) usage.threadCpuSeconds[name] += *seconds;
    }
    std::ifstream io(proc + "/io");
    for (std::string line; std::getline(io, line);)
        if (line.rfind("write_bytes:", 0) == 0) usage.diskWriteBytes = std::stoull(line.substr(12));

    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) usage.rssKiB = std::stoull(line.substr(6));
    }
    return usage;
}

double selfCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace samspil::test
