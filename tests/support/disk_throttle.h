// DiskThrottle: a slow disk for one process, made by the kernel — a cgroup of the test's own
// (cgroup v1 blkio or cgroup v2 io) that limits how fast the process may read from the disk
// a file lies on. Needs root, like CI. The process is moved back and the group removed on
// destruction. Fails the test (throws) where the machine offers neither controller.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace samspil::test {

class DiskThrottle {
public:
    /// Limits `pid`'s reads from the disk holding `fileOnDisk` to bytesPerSecond.
    DiskThrottle(pid_t pid, const std::string& fileOnDisk, std::uint64_t bytesPerSecond);
    ~DiskThrottle();
    DiskThrottle(const DiskThrottle&) = delete;
    DiskThrottle& operator=(const DiskThrottle&) = delete;

    /// "v1 blkio 254:0" or "v2 io 254:0": what was set, for the test's output.
    const std::string& description() const { return description_; }

private:
    std::string group_;  // the cgroup's folder
    std::string rootProcs_;
    pid_t pid_;
    std::string description_;
};

/// Drops a file's pages from the page cache (after fsync), so the next read goes to the disk.
void evictFromPageCache(const std::string& path);

}  // namespace samspil::test
