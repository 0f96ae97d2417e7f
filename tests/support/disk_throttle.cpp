#include "disk_throttle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace samspil::test {
namespace {

void writeText(const std::string& path, const std::string& text) {
    std::ofstream file(path);
    file << text;
    file.close();
    if (!file) throw std::runtime_error("DiskThrottle: could not write \"" + text + "\" to " + path);
}

// The whole disk ("major:minor") holding a file: throttles apply to disks, not partitions.
std::string diskOf(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw std::runtime_error("DiskThrottle: no such file " + path);
    std::string device = std::to_string(major(info.st_dev)) + ":" + std::to_string(minor(info.st_dev));
    const std::filesystem::path sys = "/sys/dev/block/" + device;
    if (std::filesystem::exists(sys / "partition")) {
        std::ifstream dev(std::filesystem::canonical(sys).parent_path() / "dev");
        std::getline(dev, device);
    }
    return device;
}

}  // namespace

DiskThrottle::DiskThrottle(pid_t pid, const std::string& fileOnDisk, std::uint64_t bytesPerSecond) : pid_(pid) {
    const std::string disk = diskOf(fileOnDisk);
    const std::string name = "samspil-test-" + std::to_string(::getpid()) + "-" + std::to_string(pid);
    if (std::filesystem::exists("/sys/fs/cgroup/blkio/cgroup.procs")) {
        group_ = "/sys/fs/cgroup/blkio/" + name;
        rootProcs_ = "/sys/fs/cgroup/blkio/cgroup.procs";
        std::filesystem::create_directory(group_);
        writeText(group_ + "/blkio.throttle.read_bps_device", disk + " " + std::to_string(bytesPerSecond));
        description_ = "cgroup v1 blkio, disk " + disk;
    } else if (std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers")) {
        group_ = "/sys/fs/cgroup/" + name;
        rootProcs_ = "/sys/fs/cgroup/cgroup.procs";
        std::ofstream("/sys/fs/cgroup/cgroup.subtree_control") << "+io";  // may already be on
        std::filesystem::create_directory(group_);
        writeText(group_ + "/io.max", disk + " rbps=" + std::to_string(bytesPerSecond));
        description_ = "cgroup v2 io, disk " + disk;
    } else {
        throw std::runtime_error("DiskThrottle: this machine has neither cgroup v1 blkio nor cgroup v2 io");
    }
    writeText(group_ + "/cgroup.procs", std::to_string(pid));
}

DiskThrottle::~DiskThrottle() {
    std::ofstream(rootProcs_) << pid_;  // if it still runs
    // The kernel lets a group go once its last task has left it.
    for (int attempt = 0; attempt < 50; ++attempt) {
        if (::rmdir(group_.c_str()) == 0 || errno == ENOENT) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void evictFromPageCache(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw std::runtime_error("evictFromPageCache: cannot open " + path);
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

}  // namespace samspil::test
