// --check-config: what an IT person runs after editing /etc/samspil/samspil.conf, before
// restarting the service. Checks what the option parser cannot: that the files and
// folders the options name are there and usable by this user. Main thread, then exit.
#include "server_options.h"

#include <filesystem>
#include <fstream>
#include <optional>

#include <unistd.h>

namespace samspil::server {

namespace fs = std::filesystem;

namespace {

// The folder exists (or can be made) and this user may write in it.
std::optional<std::string> writableFolder(const fs::path& folder, const std::string& what) {
    std::error_code error;
    fs::path existing = folder.empty() ? fs::path(".") : folder;
    while (!fs::exists(existing, error) && existing.has_parent_path() && existing != existing.parent_path())
        existing = existing.parent_path();
    if (!fs::is_directory(existing, error)) return what + ": " + existing.string() + " is not a folder";
    if (::access(existing.c_str(), W_OK | X_OK) != 0)
        return what + ": this user may not write in " + existing.string();
    return std::nullopt;
}

std::optional<std::string> readableFile(const std::string& path, const std::string& what) {
    if (!std::ifstream(path)) return what + ": cannot read " + path;
    return std::nullopt;
}

}  // namespace

Expected<std::vector<std::string>, std::string> checkServerConfig(const ServerOptions& options) {
    std::vector<std::string> problems;
    auto note = [&](std::optional<std::string> problem) {
        if (problem) problems.push_back(*problem);
    };
    const fs::path database(options.databasePath);
    note(writableFolder(database.parent_path(), "the database (--db)"));
    if (fs::exists(database) && ::access(database.c_str(), R_OK | W_OK) != 0)
        problems.push_back("the database (--db): this user may not read and write " + options.databasePath);
    note(writableFolder(recordingsDirectory(options), "lesson recordings (--recordings-dir)"));
    if (!options.certPath.empty()) {
        note(readableFile(options.certPath, "the certificate (--cert)"));
        note(readableFile(options.keyPath, "the private key (--key)"));
    }
    const std::string web = webDirectory(options);
    if (!options.staticDir.empty() && !fs::exists(fs::path(web) / "index.html"))
        problems.push_back("the browser client (--static-dir): no index.html in " + options.staticDir);
    if (!problems.empty()) {
        std::string all;
        for (const auto& problem : problems) all += (all.empty() ? "" : "\n") + problem;
        return Unexpected{all};
    }
    const std::string scheme = options.certPath.empty() ? "ws" : "wss";
    std::vector<std::string> lines{
        "listens on " + scheme + "://" + options.bind + ":" + std::to_string(options.port) +
            (options.udp ? ", UDP fast path on port " + std::to_string(options.udpPort < 0 ? options.port : options.udpPort)
                         : ", no UDP path"),
        "database " + options.databasePath + ", lesson recordings in " + recordingsDirectory(options),
        web.empty() ? std::string("no browser client found (the API and WebSocket still work)")
                    : "serves the browser client from " + web,
        options.openRooms ? std::string("open rooms: anyone may join a room no school owns")
                          : std::string("school rooms only (no open rooms)")};
    if (!options.configFile.empty()) lines.insert(lines.begin(), "read " + options.configFile);
    return lines;
}

}  // namespace samspil::server
