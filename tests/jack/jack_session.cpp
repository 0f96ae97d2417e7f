#include "jack_session.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

namespace samspil::test {

namespace {

// JACK lists its servers in a registry in /dev/shm, and a jackd that dies without its
// goodbye (under load a client may not answer at shutdown) keeps its slot there; after
// eight such, no JACK server starts on this machine until the file is deleted. Where it
// is allowed (root, as in CI), this process and everything it starts from the test thread
// get a /dev/shm of their own, which goes away with them. Elsewhere nothing changes.
void isolateJackRegistryOnce() {
    static const bool isolated = [] {
        if (::unshare(CLONE_NEWNS) != 0) return false;
        if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
        return ::mount("samspil-test-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") == 0;
    }();
    (void)isolated;
}

}  // namespace

std::string jackProbeBinary() {
    return SAMSPIL_JACK_PROBE_BINARY;
}

JackSession::JackSession(const TempDir& dir, int periodFrames) : dir_(dir) {
    isolateJackRegistryOnce();
    static int sessions = 0;
    name_ = "samspil-test-" + std::to_string(::getpid()) + "-" + std::to_string(++sessions);
    ::setenv("JACK_DEFAULT_SERVER", name_.c_str(), 1);
    ::setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
    jackd_ = std::make_unique<ChildProcess>(
        "jackd", std::vector<std::string>{"-n", name_, "--realtime", "-d", "dummy", "-r", "48000", "-p", std::to_string(periodFrames)},
        dir.path(), dir.file("jackd"));
    if (!waitForPort("system:playback_1", std::chrono::seconds(10)))
        throw std::runtime_error("jackd did not start: " + jackd_->stderrText());
}

JackSession::~JackSession() {
    jackd_->signal();
    // A jackd killed before it finished its goodbye leaves its entry in JACK's shared
    // registry, and after a few of those no JACK server starts on this machine at all.
    if (!jackd_->wait(std::chrono::seconds(15))) std::fprintf(stderr, "jackd %s did not stop in 15 s\n", name_.c_str());
}

int JackSession::run(const std::vector<std::string>& command, std::string* out) const {
    static int runs = 0;
    ChildProcess process(command.front(), std::vector<std::string>(command.begin() + 1, command.end()), dir_.path(),
                         dir_.file("jack-tool-" + std::to_string(++runs)));
    const auto code = process.wait(std::chrono::seconds(30));
    if (out) *out = process.stdoutText();
    return code.value_or(-1);
}

std::vector<std::string> JackSession::ports() const {
    std::string out;
    if (run({"jack_lsp"}, &out) != 0) return {};
    std::vector<std::string> result;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) result.push_back(line);
    return result;
}

bool JackSession::waitForPort(const std::string& port, std::chrono::milliseconds timeout) const {
    return waitUntil(
        [&] {
            for (const auto& p : ports())
                if (p == port) return true;
            return false;
        },
        timeout);
}

bool JackSession::connect(const std::string& from, const std::string& to) const {
    return run({"jack_connect", from, to}) == 0;
}

bool JackSession::disconnect(const std::string& from, const std::string& to) const {
    return run({"jack_disconnect", from, to}) == 0;
}

bool JackSession::record(const std::vector<std::string>& ports, const std::string& wavPath, int seconds) const {
    std::vector<std::string> command{"jack_rec", "-f", wavPath, "-d", std::to_string(seconds), "-b", "32"};  // whole seconds
    command.insert(command.end(), ports.begin(), ports.end());
    return run(command) == 0;
}

}  // namespace samspil::test
