// The first connection gets the same reconnect and backoff as later drops: a first
// WebSocket handshake that stalls (the 101 lost on a bad line) is retried.
#include "test_server.h"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace samspil::test;

namespace {

// A TCP port that accepts connections and never answers them: a stalled handshake.
class SilentListener {
public:
    SilentListener() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(listen(fd_, 8) == 0);
        socklen_t length = sizeof address;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] {
            for (;;) {
                const int client = accept(fd_, nullptr, nullptr);
                if (client < 0) return;  // the listener was shut down
                held_.push_back(client);
                accepted_.fetch_add(1);
            }
        });
    }
    ~SilentListener() {
        close();
        for (int client : held_) ::close(client);
    }
    /// Stops listening (connections already accepted stay open and silent).
    void close() {
        if (fd_ < 0) return;
        shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
        fd_ = -1;
    }
    int port() const { return port_; }
    int accepted() const { return accepted_.load(); }

private:
    int fd_ = -1;
    int port_ = 0;
    std::atomic<int> accepted_{0};
    std::vector<int> held_;  // accept thread only, until joined
    std::thread thread_;
};

}  // namespace

TEST_CASE("a first handshake that stalls is retried with backoff until the server answers", "[integration][reconnect]") {
    TempDir dir;
    SilentListener silent;
    const int port = silent.port();
    CliRun cli(dir, "student", {"--server", "ws://127.0.0.1:" + std::to_string(port), "--room", "lesson", "--name", "Ida",
                                "--tone", "440", "--duration", "14"});
    REQUIRE(waitUntil([&] { return silent.accepted() >= 1; }, std::chrono::seconds(5)));
    // The server comes up on that port only after the first attempt has stalled.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    silent.close();
    TestServer server(dir, {}, port);
    REQUIRE(waitUntil([&] { return httpGet(server.port(), "/healthz").body.find("\"participants\":1") != std::string::npos; },
                      std::chrono::seconds(20)));
    // It keeps to --duration (measured from the start, not from the join).
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(cli.finish(std::chrono::seconds(40)) == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(14));
    CHECK(cli.stats()["joined"] == true);
    CHECK(server.stop() == 0);
}
