// Command-line options of samspil-bench.
#pragma once

#include "samspil/base/expected.h"

#include <string>
#include <vector>

namespace samspil::bench {

struct BenchOptions {
    std::string serverUrl;          ///< load this running server (ws://host:port); empty: start one
    int serverPid = 0;              ///< its pid, for CPU and memory figures (needed with --server)
    std::string serverBinary;       ///< the samspil-server to start when no --server is given
    int participants = 40;
    int roomSize = 4;
    int frameSamples = 240;
    double durationSeconds = 10;    ///< measured window
    double warmupSeconds = 2;       ///< after everyone joined, before measuring
    int bitrate = 64000;
    bool json = false;              ///< also print one JSON line
    bool churn = false;             ///< visitors join, chat and leave; people sign in (the soak)
    bool burst = false;             ///< everyone sends at the same instant instead of spread over the frame
    bool udp = false;               ///< media on the UDP fast path (one batched socket for all clients)
    int recordRooms = 0;            ///< the first N rooms are a school's lessons, recorded (server it starts)
    int benchCpu = -1;              ///< pin the bench to this CPU (after measuring the send() floor)
    int serverCpu = -1;             ///< pin the server it starts to this CPU
    std::vector<std::string> serverArgs;  ///< extra arguments for the server it starts
    int videoStep = -1;             ///< --video: every camera on at this step of the ladder (-1: no video)
    bool showHelp = false;
};

[[nodiscard]] Expected<BenchOptions, std::string> parseBenchOptions(const std::vector<std::string>& args);
std::string benchHelpText();

}  // namespace samspil::bench
