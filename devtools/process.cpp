#include "process.h"

#include <cerrno>
#include <cstring>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace samspil::test {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "samspil-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    if (!std::getenv("SAMSPIL_KEEP_TEST_FILES")) std::filesystem::remove_all(path_, ignored);
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::string& workDir, const std::string& logPrefix)
    : stdoutPath_(logPrefix + ".stdout"), stderrPath_(logPrefix + ".stderr") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&actions, workDir.c_str());
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    // A process group of its own: whatever the child starts (xvfb-run starts Xvfb) is
    // stopped with it, also when the child itself is killed.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    // posix_spawnp: a bare name ("jackd") is looked up on PATH.
    const int error = posix_spawnp(&pid_, program.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(error));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), exitCode_(other.exitCode_), stdoutPath_(other.stdoutPath_), stderrPath_(other.stderrPath_) {
    other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
    if (pid_ <= 0 || !running()) return;  // reaped: running() already cleared its group
    // The whole group: the child and anything it started (an Xvfb under xvfb-run).
    ::kill(-pid_, SIGKILL);
    wait(std::chrono::seconds(5));
}

void ChildProcess::signal(int number) {
    if (pid_ > 0 && !exitCode_) ::kill(pid_, number);
}

bool ChildProcess::running() {
    if (exitCode_ || pid_ <= 0) return false;
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
        exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        // Whatever it started and left behind goes with it (an Xvfb whose xvfb-run was
        // killed). Now, while anything left keeps the group id alive; never later, when the
        // id may belong to someone else's group.
        ::kill(-pid_, SIGKILL);
        return false;
    }
    return true;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    waitUntil([this] { return !running(); }, timeout);
    return exitCode_;
}

std::string ChildProcess::stdoutText() const {
    return readFile(stdoutPath_);
}

std::string ChildProcess::stderrText() const {
    return readFile(stderrPath_);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace samspil::test
