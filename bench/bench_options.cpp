#include "bench_options.h"

#include "samspil/audio/opus_codec.h"
#include "samspil/video/video_ladder.h"

#include <algorithm>

#include <cstdlib>

namespace samspil::bench {

std::string benchHelpText() {
    return R"(samspil-bench — load a samspil-server with simulated participants and measure it.

Usage: samspil-bench [options]

  --participants N     simulated participants (default 40)
  --room-size K        participants per room (default 4)
  --frame-ms MS        2.5, 5 (default), 10 or 20
  --duration SECONDS   measured window (default 10)
  --warmup SECONDS     after everyone joined, before measuring (default 2)
  --bitrate BPS        Opus bitrate of the prepared packets (default 64000)
  --server URL         load a running server (ws://host:port, started with --open-rooms)
                       instead of starting one
  --server-pid PID     with --server: the server's pid, for CPU and memory figures
  --server-binary P    the samspil-server to start (default: the one built beside this)
  --server-arg ARG     pass ARG to the server it starts (repeatable)
  --server-cpu N       pin the server it starts to CPU N
  --bench-cpu N        pin the bench to CPU N (after it measured the send() floor, which
                       must see the sender and the reader on different CPUs)
  --burst              everyone sends at the same instant (worst case); by default
                       participants' frame clocks are spread evenly over the frame,
                       as unsynchronised sound cards are
  --churn              the soak: while the participants play, visitors join the rooms,
                       chat and leave again (one join and one leave per second per 50
                       participants) and a school's teacher signs in once a second;
                       reports the server's memory at a sixth of the run and at its
                       end, and the errors in its log (only with a server it starts)
  --udp                media on the server's UDP fast path: every client's datagrams go
                       through one socket, sent with sendmmsg and read with recvmmsg
                       once per tick (redundancy 0: each packet relayed once)
  --record-rooms N     the first N rooms are a school's rooms whose teacher records the
                       lesson (server-side Ogg Opus tracks, a mix after the end);
                       reports the recorder's CPU, the disk write rate and the bytes
                       recorded (only with a server it starts)
  --video STEP         every participant's camera on: real VP8 frames of the test pattern
                       at STEP (180p15, 360p15, 360p30, 540p30 or 720p30; encoded once,
                       sent in a loop), everyone asking for everyone else's large layer;
                       by UDP with --udp, else on each participant's video WebSocket.
                       Adds the video's frames, bytes and relay latency to the report
  --json               also print the results as one JSON line
  --help               this text

Each participant is a real WebSocket client speaking samspil.v1 and sending real Opus
packets (encoded once from a tone) at the pace of its frame size, each on its own
phase of the frame clock. All clients share one
libwebsockets event loop on one thread. The report gives the server's CPU (user+sys,
% of one core) and memory, packets per second, the relay's added latency (send to
receive on this host's clock), drops, disconnects, receive gaps over 20 ms, a chat
round trip under load, the bench's own CPU, and the cost of a plain send() on loopback
TCP for comparison.
)";
}

Expected<BenchOptions, std::string> parseBenchOptions(const std::vector<std::string>& args) {
    BenchOptions options;
    options.serverBinary = SAMSPIL_SERVER_BINARY;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& name = args[i];
        if (name == "--help" || name == "-h") {
            options.showHelp = true;
            continue;
        }
        if (name == "--json") {
            options.json = true;
            continue;
        }
        if (name == "--udp") {
            options.udp = true;
            continue;
        }
        if (name == "--burst") {
            options.burst = true;
            continue;
        }
        if (name == "--churn") {
            options.churn = true;
            continue;
        }
        if (name == "--server-arg") {
            if (i + 1 >= args.size()) return Unexpected{name + " needs a value"};
            options.serverArgs.push_back(args[++i]);
            continue;
        }
        if (i + 1 >= args.size()) return Unexpected{name + " needs a value (see --help)"};
        const std::string value = args[++i];
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        const bool isNumber = !value.empty() && end == value.c_str() + value.size();
        if (name == "--video") {
            const auto& ladder = video::kVideoLadder;
            const auto found = std::find_if(ladder.begin(), ladder.end(), [&](const video::VideoStep& s) { return value == s.name; });
            if (found == ladder.end()) return Unexpected{"--video must be one of 180p15, 360p15, 360p30, 540p30, 720p30"};
            options.videoStep = static_cast<int>(found - ladder.begin());
        } else if (name == "--server") {
            options.serverUrl = value;
        } else if (name == "--server-binary") {
            options.serverBinary = value;
        } else if (!isNumber || number < 0) {
            return Unexpected{name + " needs a number, not " + value};
        } else if (name == "--participants") {
            options.participants = static_cast<int>(number);
        } else if (name == "--room-size") {
            options.roomSize = static_cast<int>(number);
        } else if (name == "--frame-ms") {
            options.frameSamples = frameSamplesForMilliseconds(number);
            if (options.frameSamples == 0) return Unexpected{std::string("--frame-ms must be 2.5, 5, 10 or 20")};
        } else if (name == "--duration") {
            options.durationSeconds = number;
        } else if (name == "--warmup") {
            options.warmupSeconds = number;
        } else if (name == "--bitrate") {
            options.bitrate = static_cast<int>(number);
        } else if (name == "--server-pid") {
            options.serverPid = static_cast<int>(number);
        } else if (name == "--bench-cpu") {
            options.benchCpu = static_cast<int>(number);
        } else if (name == "--server-cpu") {
            options.serverCpu = static_cast<int>(number);
        } else if (name == "--record-rooms") {
            options.recordRooms = static_cast<int>(number);
        } else {
            return Unexpected{"unknown option " + name + " (see --help)"};
        }
    }
    if (options.participants < 1 || options.roomSize < 1)
        return Unexpected{std::string("--participants and --room-size must be at least 1")};
    if (!options.serverUrl.empty() && options.recordRooms > 0)
        return Unexpected{std::string("--record-rooms needs a server the bench starts (no --server)")};
    if (!options.serverUrl.empty() && options.serverPid == 0)
        return Unexpected{std::string("--server needs --server-pid for the CPU and memory figures")};
    return options;
}

}  // namespace samspil::bench
