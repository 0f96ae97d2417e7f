// TestServer: the real samspil-server in a temp directory on a free loopback port,
// and helpers to run samspil-cli against it.
#pragma once

#include "http_get.h"
#include "process.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace samspil::test {

/// Paths of the binaries under test (set by CMake).
std::string serverBinary();
std::string cliBinary();

/// Program and arguments that run `binary args…` inside a network namespace (none: as is).
std::pair<std::string, std::vector<std::string>> launchIn(const std::string& networkNamespace, const std::string& binary,
                                                          std::vector<std::string> args);

class TestServer {
public:
    /// Starts the server with its database in dir (extra args appended) and waits until it
    /// listens. port 0 lets it pick; pass the old port to restart on the same one. Open
    /// rooms (no accounts) keep the foundation's tests simple; school tests turn them off.
    /// networkNamespace: run it inside that namespace (`ip netns exec`), e.g. the lab's.
    TestServer(const TempDir& dir, std::vector<std::string> extraArgs = {}, int port = 0, bool openRooms = true,
               const std::string& networkNamespace = "");

    int port() const { return port_; }
    /// The address it printed it listens on (127.0.0.1 unless --bind said otherwise).
    std::string url() const { return "ws://" + host_ + ":" + std::to_string(port_); }
    /// The server's --db: an SQLite file, or a postgresql:// URL (test_database.h).
    std::string databasePath() const { return databasePath_; }
    /// Where it keeps recordings: "recordings" beside the file, on either engine.
    std::string recordingsDir() const { return recordingsDir_; }
    ChildProcess& process() { return *process_; }

    /// SIGTERM and wait; returns the exit code.
    std::optional<int> stop();

private:
    std::unique_ptr<ChildProcess> process_;
    std::string databasePath_;
    std::string recordingsDir_;
    std::string host_ = "127.0.0.1";
    int port_ = 0;
};

/// samspil-cli run to completion in the background; stats() parses its --stats output.
class CliRun {
public:
    CliRun(const TempDir& dir, const std::string& name, std::vector<std::string> args,
           const std::string& networkNamespace = "");
    /// Waits for the exit (up to timeout) and returns the code.
    std::optional<int> finish(std::chrono::milliseconds timeout = std::chrono::seconds(60));
    const nlohmann::json& stats() const;
    const nlohmann::json* peerNamed(const std::string& name) const;
    ChildProcess& process() { return *process_; }

private:
    std::unique_ptr<ChildProcess> process_;
    mutable nlohmann::json stats_;
};

}  // namespace samspil::test
