#include "test_server.h"

#include "test_database.h"

#include <algorithm>
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

std::pair<std::string, std::vector<std::string>> launchIn(const std::string& networkNamespace, const std::string& binary,
                                                          std::vector<std::string> args) {
    if (networkNamespace.empty()) return {binary, std::move(args)};
    // `ip netns exec` execs the program, so the child is the program itself.
    std::vector<std::string> wrapped{"netns", "exec", networkNamespace, binary};
    wrapped.insert(wrapped.end(), args.begin(), args.end());
    return {"ip", std::move(wrapped)};
}

TestServer::TestServer(const TempDir& dir, std::vector<std::string> extraArgs, int port, bool openRooms,
                       const std::string& networkNamespace)
    : databasePath_(freshDatabase(dir, "var/samspil.db")), recordingsDir_(dir.file("var/recordings")) {
    std::vector<std::string> args{"--port", std::to_string(port), "--db", databasePath_, "--fast-password-hashing"};
    if (openRooms) args.push_back("--open-rooms");
    // On PostgreSQL the recordings go where they would beside the SQLite file.
    if (testingPostgres() && std::find(extraArgs.begin(), extraArgs.end(), "--recordings-dir") == extraArgs.end())
        args.insert(args.end(), {"--recordings-dir", recordingsDir_});
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    static int runs = 0;
    const auto [program, programArgs] = launchIn(networkNamespace, serverBinary(), args);
    process_ = std::make_unique<ChildProcess>(program, programArgs, dir.path(),
                                              dir.file("server-" + std::to_string(++runs)));
    const std::regex listening(R"(listening on wss?://(.+):(\d+)/ws)");
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
    host_ = match[1];
    port_ = std::stoi(match[2]);
}

std::optional<int> TestServer::stop() {
    process_->signal(SIGTERM);
    return process_->wait(std::chrono::seconds(20));
}

CliRun::CliRun(const TempDir& dir, const std::string& name, std::vector<std::string> args,
               const std::string& networkNamespace) {
    args.push_back("--stats");
    const auto [program, programArgs] = launchIn(networkNamespace, cliBinary(), args);
    process_ = std::make_unique<ChildProcess>(program, programArgs, dir.path(), dir.file("cli-" + name));
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
