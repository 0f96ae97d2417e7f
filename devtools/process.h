// Child processes for integration tests and the benchmark: the real samspil-server and samspil-cli.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace samspil::test {

/// A fresh directory under /tmp, removed (with its contents) on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// A running program whose stdout and stderr go to files, in a process group of its own.
/// On destruction the whole group is killed: the program if still running, and whatever
/// it started and left behind.
class ChildProcess {
public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args, const std::string& workDir,
                 const std::string& logPrefix);
    ~ChildProcess();
    ChildProcess(ChildProcess&&) noexcept;
    ChildProcess(const ChildProcess&) = delete;

    /// Sends a signal (SIGTERM by default) to the program itself.
    void signal(int number = 15);
    /// Waits for the exit; returns the exit code (128+signal if killed), nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string stdoutText() const;
    std::string stderrText() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::optional<int> exitCode_;
    std::string stdoutPath_;
    std::string stderrPath_;
};

/// Reads a whole file ("" if missing).
std::string readFile(const std::string& path);

/// Polls `condition` every 10 ms until true or the timeout passes.
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace samspil::test
