#include "send_cost.h"

#include <atomic>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace samspil::bench {
namespace {

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

double measureLoopbackSendMicros(std::size_t bytes, int count) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("loopback listener failed");
    const int sender = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(sender, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("loopback connect failed");
    const int receiver = accept(listener, nullptr, nullptr);
    const int one = 1;
    setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    std::thread drain([receiver] {
        std::vector<char> buffer(1 << 16);
        while (recv(receiver, buffer.data(), buffer.size(), 0) > 0) {
        }
    });
    std::vector<char> message(bytes, 'x');
    const double start = threadCpuSeconds();
    for (int i = 0; i < count; ++i)
        if (send(sender, message.data(), message.size(), MSG_NOSIGNAL) < 0) break;
    const double spent = threadCpuSeconds() - start;
    shutdown(sender, SHUT_WR);
    drain.join();
    close(sender);
    close(receiver);
    close(listener);
    return spent * 1e6 / count;
}

}  // namespace samspil::bench
