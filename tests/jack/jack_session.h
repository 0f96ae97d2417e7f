// A private JACK server with the dummy driver (no sound card), realtime where the machine
// allows it, named uniquely so tests can run side by side, plus helpers for jack_connect, jack_rec,
// jack_metro and the onset probe. Used by the desktop app and plugin host tests.
#pragma once

#include "process.h"

#include <memory>
#include <string>
#include <vector>

namespace samspil::test {

class JackSession {
public:
    /// Starts `jackd --realtime -d dummy -r 48000 -p periodFrames` and points this process's
    /// children at it (JACK_DEFAULT_SERVER). Throws when it does not come up. Realtime and
    /// 256 frames (5.3 ms), as a school's JACK setup would run: without realtime, or at
    /// 128 frames, the dummy driver on a busy 2-core machine missed periods (100–400 xruns
    /// in 7 s, its clock up to 20 % slow), and every latency figure measured it, not us.
    explicit JackSession(const TempDir& dir, int periodFrames = 256);
    ~JackSession();

    const std::string& name() const { return name_; }
    /// Every port, as jack_lsp prints them.
    std::vector<std::string> ports() const;
    bool waitForPort(const std::string& port, std::chrono::milliseconds timeout) const;
    bool connect(const std::string& from, const std::string& to) const;
    bool disconnect(const std::string& from, const std::string& to) const;

    /// Records ports into a 32-bit PCM WAV with jack_rec for `seconds` (blocking).
    bool record(const std::vector<std::string>& ports, const std::string& wavPath, int seconds) const;

private:
    int run(const std::vector<std::string>& command, std::string* out = nullptr) const;

    const TempDir& dir_;
    std::string name_;
    std::unique_ptr<ChildProcess> jackd_;
};

/// Path of samspil-jack-probe (set by CMake).
std::string jackProbeBinary();

}  // namespace samspil::test
