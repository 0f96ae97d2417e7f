#include "test_server.h"

#include <csignal>
#include <regex>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace samspil::test {

std::string serverBinary() {
    return SAMSPIL_SERVER_BINARY;
}

std::string cliBinary() {
    return SAMSPIL_CLI_BINARY;
}

TestServer::TestServer(const TempDir& dir, std::vector<std::string> extraArgs, int port)
    : databasePath_(dir.file("var/samspil.db")) {
    std::vector<std::string> args{"--port", std::to_string(port), "--db", databasePath_};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    static int runs = 0;
    process_ = std::make_unique<ChildProcess>(serverBinary(), args, dir.path(),
                                              dir.file("server-" + std::to_string(++runs)));
    const std::regex listening(R"(listening on wss?://[^:]+:(\d+)/ws)");
    std::smatch match;
    const bool up = waitUntil(
        [&] {
            const std::string out = process_->stdoutText();
            return std::regex_search(out, match, listening) || !process_->running();
        },
        std::chrono::seconds(20));
    const std::string out = process_->stdoutText();
    if (!up || !std::regex_search(out, match, listening))
        throw std::runtime_error("samspil-server did not start: " + process_->stderrText());
    port_ = std::stoi(match[1]);
}

std::optional<int> TestServer::stop() {
    process_->signal(SIGTERM);
    return process_->wait(std::chrono::seconds(20));
}

CliRun::CliRun(const TempDir& dir, const std::string& name, std::vector<std::string> args) {
    args.push_back("--stats");
    process_ = std::make_unique<ChildProcess>(cliBinary(), args, dir.path(), dir.file("cli-" + name));
}

std::optional<int> CliRun::finish(std::chrono::milliseconds timeout) {
    return process_->wait(timeout);
}

const nlohmann::json& CliRun::stats() const {
    if (stats_.is_null()) {
        const std::string text = process_->stdoutText();
        stats_ = nlohmann::json::parse(text, nullptr, false);
        if (stats_.is_discarded())
            throw std::runtime_error("samspil-cli printed no stats: " + text + process_->stderrText());
    }
    return stats_;
}

const nlohmann::json* CliRun::peerNamed(const std::string& name) const {
    stats();
    for (const auto& peer : stats_["peers"])
        if (peer["name"] == name) return &peer;
    return nullptr;
}

HttpResponse httpGet(int port, const std::string& path) {
    HttpResponse response;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return response;
    }
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), 0) < 0) {
        close(fd);
        return response;
    }
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string raw;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) raw.append(buffer, static_cast<std::size_t>(n));
    close(fd);
    const auto headerEnd = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || headerEnd == std::string::npos) return response;
    response.status = std::stoi(raw.substr(9, 3));
    response.headers = raw.substr(0, headerEnd);
    response.body = raw.substr(headerEnd + 4);
    return response;
}

}  // namespace samspil::test
