#include "tun_pair.h"

#include <cstring>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace samspil::netlab {
namespace {

// Runs `ip ARGS…` quietly; true when it succeeded.
bool ip(const std::vector<std::string>& args) {
    std::vector<char*> argv{const_cast<char*>("ip")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "ip", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void ipOrThrow(const std::vector<std::string>& args) {
    if (ip(args)) return;
    std::string command = "ip";
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error("netlab: `" + command + "` failed (root and the iproute2 package are needed)");
}

// A TUN device (IP packets, no extra header) in this namespace; non-blocking.
int openTun(const std::string& name) {
    const int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("netlab: cannot open /dev/net/tun: " + std::string(std::strerror(errno)));
    ifreq request{};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        const int error = errno;
        close(fd);
        throw std::runtime_error("netlab: cannot create TUN device " + name + ": " + std::strerror(error));
    }
    return fd;
}

}  // namespace

TunPair::TunPair(const std::string& prefix) : clientNs_(prefix + "-client"), serverNs_(prefix + "-server") {
    try {
        // Device names are at most 15 characters and must not clash between labs.
        const std::string tag = std::to_string(getpid());
        const std::string clientDev = "slc" + tag, serverDev = "sls" + tag;
        for (auto [ns, made] : {std::pair{&clientNs_, &madeClientNs_}, std::pair{&serverNs_, &madeServerNs_}}) {
            if (!ip({"netns", "add", *ns}))
                throw std::runtime_error("netlab: cannot create network namespace " + *ns +
                                         " (is another lab with this name running? root is needed)");
            *made = true;
        }
        clientFd_ = openTun(clientDev);
        serverFd_ = openTun(serverDev);
        // Each device moves into its namespace; the file descriptor stays ours.
        const struct {
            const std::string& ns;
            const std::string& dev;
            const char* local;
            const char* peer;
        } ends[] = {{clientNs_, clientDev, kClientAddress, kServerAddress},
                    {serverNs_, serverDev, kServerAddress, kClientAddress}};
        for (const auto& end : ends) {
            ipOrThrow({"link", "set", end.dev, "netns", end.ns});
            ipOrThrow({"-n", end.ns, "link", "set", "lo", "up"});
            ipOrThrow({"-n", end.ns, "addr", "add", end.local, "peer", end.peer, "dev", end.dev});
            ipOrThrow({"-n", end.ns, "link", "set", end.dev, "up"});
        }
    } catch (...) {
        teardown();
        throw;
    }
}

TunPair::~TunPair() { teardown(); }

void TunPair::teardown() {
    if (clientFd_ >= 0) close(clientFd_);
    if (serverFd_ >= 0) close(serverFd_);
    clientFd_ = serverFd_ = -1;
    if (madeClientNs_) ip({"netns", "del", clientNs_});
    if (madeServerNs_) ip({"netns", "del", serverNs_});
    madeClientNs_ = madeServerNs_ = false;
}

}  // namespace samspil::netlab
