// The real Samspil desktop app under Xvfb (xvfb-run -a), started with command-line options
// and followed through the one line per state change it prints on stdout.
#pragma once

#include "process.h"

#include <memory>
#include <string>
#include <vector>

namespace samspil::test {

std::string desktopBinary();

class DesktopApp {
public:
    DesktopApp(const TempDir& dir, const std::string& label, std::vector<std::string> args);
    /// Waits until stdout holds `text` `times` times.
    bool waitForOutput(const std::string& text, std::chrono::milliseconds timeout, int times = 1);
    std::string output() const { return process_->stdoutText() + process_->stderrText(); }
    ChildProcess& process() { return *process_; }

private:
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace samspil::test
