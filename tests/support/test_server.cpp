#include "test_server.h"

#include <csignal>
#include <regex>
#include <stdexcept>


namespace samspil::test {

std::string serverBinary() {
    return SAMSPIL_SERVER_BINARY;
}

std::string cliBinary() {
    return SAMSPIL_CLI_BINARY;
}

TestServer::TestServer(const TempDir& dir, std::vector<std::string> extraArgs, int port, bool openRooms)
    : databasePath_(dir.file("var/samspil.db")) {
    std::vector<std::string> args{"--port", std::to_string(port), "--db", databasePath_, "--fast-password-hashing"};
    if (openRooms) args.push_back("--open-rooms");
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

}  // namespace samspil::test
