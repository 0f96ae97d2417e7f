// samspil-netlab (devtools/netlab) run by an integration test: the lab's two network
// namespaces joined by its impaired line, for the length of the test. Needs root.
#pragma once

#include "process.h"
#include "school_fixture.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace samspil::test {

// samspil-netlab for the length of a test: up once it printed `ready`; stopped (and its
// namespaces deleted) at the end, also when the test fails.
class Lab {
public:
    Lab(const TempDir& dir, std::vector<std::string> args) : name_("samspil-t" + std::to_string(getpid())) {
        args.insert(args.end(), {"--name", name_});
        process_ = std::make_unique<ChildProcess>(SAMSPIL_NETLAB_BINARY, args, dir.path(), dir.file("netlab"));
        const bool ready = waitUntil([&] { return process_->stdoutText().find("ready") != std::string::npos || !process_->running(); },
                                     std::chrono::seconds(10));
        if (!ready || !process_->running())
            throw std::runtime_error("samspil-netlab did not start: " + process_->stderrText());
    }
    ~Lab() { stop(); }
    std::string clientSide() const { return name_ + "-client"; }
    std::string serverSide() const { return name_ + "-server"; }

    /// Stops the lab; returns its closing figures (the last line it printed).
    nlohmann::json stop() {
        if (process_->running()) {
            process_->signal(SIGTERM);
            process_->wait(std::chrono::seconds(10));
        }
        const std::string out = process_->stdoutText();
        const auto lastLine = out.rfind("\n{");
        return lastLine == std::string::npos ? nlohmann::json() : nlohmann::json::parse(out.substr(lastLine + 1), nullptr, false);
    }

private:
    std::string name_;
    std::unique_ptr<ChildProcess> process_;
};

/// The server's arguments in the lab's server side: its address there, plain ws:// (no TLS).
inline std::vector<std::string> labServerArgs() { return {"--bind", "10.77.0.2", "--allow-plaintext"}; }

/// A school whose drop-in room's server runs in the lab's server side, `delayMs` each way
/// from its client side: the fixture's server (its database, its people) moves there.
struct SchoolInTheLab {
    explicit SchoolInTheLab(int delayMs) : lab(school.dir, {"--profile", "none", "--delay-ms", std::to_string(delayMs)}) {
        REQUIRE(school.call("PATCH", "rooms/" + std::to_string(school.roomId), {{"drop_in", true}}, school.token["teacher"])
                    .status == 200);
        school.server.reset();
        school.server = std::make_unique<TestServer>(school.dir, labServerArgs(), 0, false, lab.serverSide());
    }
    SchoolFixture school;
    Lab lab;
};

}  // namespace samspil::test
