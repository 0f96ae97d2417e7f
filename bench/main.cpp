// samspil-bench: load a samspil-server with N participants in rooms of k and report what
// it costs and what it adds. See --help and docs/performance.md.
#include "bench_options.h"
#include "load_clients.h"
#include "metrics_scrape.h"
#include "process.h"
#include "process_probe.h"
#include "samspil/core/clock.h"
#include "samspil/core/media_packet.h"
#include "samspil/core/opus_codec.h"
#include "samspil/core/server_url.h"
#include "send_cost.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <numbers>
#include <regex>

#include <sched.h>

using namespace samspil;
using namespace samspil::bench;

namespace {

// One Opus packet of a steady tone, as every participant will send it.
std::vector<std::uint8_t> preparePacket(int frameSamples, int bitrate) {
    auto encoder = OpusStreamEncoder::create({1, frameSamples, bitrate, 5, 8});
    if (!encoder) throw std::runtime_error(encoder.error());
    std::vector<float> frame(static_cast<std::size_t>(frameSamples));
    std::vector<std::uint8_t> packet(1275);
    int bytes = 0;
    for (int n = 0; n < 20; ++n) {  // let the encoder settle
        for (int i = 0; i < frameSamples; ++i)
            frame[static_cast<std::size_t>(i)] =
                0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 440.0 * (n * frameSamples + i) / 48000.0));
        bytes = encoder->encode(frame.data(), packet);
    }
    packet.resize(static_cast<std::size_t>(bytes));
    return packet;
}

// Restricts a process (0: this one) to one CPU, so server and bench do not share a core.
void pinToCpu(int pid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(pid, sizeof set, &set) != 0) std::perror("samspil-bench: sched_setaffinity");
}

struct Sample {
    std::int64_t wallUs = 0;
    ProcessUsage server;
    double benchCpu = 0;
    MetricValues metrics;
};

Sample takeSample(int serverPid, int port) {
    Sample sample;
    sample.wallUs = monotonicMicros();
    sample.server = readProcessUsage(serverPid).value_or(ProcessUsage{});
    sample.benchCpu = selfCpuSeconds();
    sample.metrics = scrapeMetrics(port);
    return sample;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parseBenchOptions(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << "samspil-bench: " << options.error() << "\n";
        return 2;
    }
    if (options->showHelp) {
        std::cout << benchHelpText();
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);

    // The server: started here on a free loopback port, or one already running.
    std::unique_ptr<test::TempDir> dir;
    std::unique_ptr<test::ChildProcess> server;
    std::string host = "127.0.0.1";
    int port = 0;
    int serverPid = options->serverPid;
    if (options->serverUrl.empty()) {
        dir = std::make_unique<test::TempDir>();
        std::vector<std::string> serverArgs{"--port", "0", "--db", dir->file("bench.db"), "--open-rooms"};
        serverArgs.insert(serverArgs.end(), options->serverArgs.begin(), options->serverArgs.end());
        server = std::make_unique<test::ChildProcess>(options->serverBinary, serverArgs, dir->path(), dir->file("server"));
        if (options->serverCpu >= 0) pinToCpu(server->pid(), options->serverCpu);
        const std::regex listening(R"(listening on ws://[^:]+:(\d+)/ws)");
        std::smatch match;
        std::string out;
        test::waitUntil([&] { return std::regex_search(out = server->stdoutText(), match, listening) || !server->running(); },
                        std::chrono::seconds(10));
        if (!std::regex_search(out, match, listening)) {
            std::cerr << "samspil-bench: the server did not start: " << server->stderrText() << "\n";
            return 1;
        }
        port = std::stoi(match[1]);
        serverPid = server->pid();
    } else {
        auto url = parseServerUrl(options->serverUrl);
        if (!url) {
            std::cerr << "samspil-bench: " << url.error() << "\n";
            return 2;
        }
        host = url->host;
        port = url->port;
    }

    const auto packet = preparePacket(options->frameSamples, options->bitrate);
    const std::size_t wireBytes = protocol::kMediaHeaderBytes + packet.size() + 2;  // + WebSocket frame header
    const double sendMicros = measureLoopbackSendMicros(wireBytes, 200'000);
    if (options->benchCpu >= 0) pinToCpu(0, options->benchCpu);

    LoadPlan plan;
    plan.host = host;
    plan.port = port;
    plan.participants = options->participants;
    plan.roomSize = options->roomSize;
    plan.frameSamples = options->frameSamples;
    plan.opusPacket = packet;
    plan.warmupSeconds = options->warmupSeconds;
    plan.durationSeconds = options->durationSeconds;
    plan.burst = options->burst;
    Sample start, end;
    LoadClients load(plan);
    auto results = load.run([&] { start = takeSample(serverPid, port); }, [&] { end = takeSample(serverPid, port); });
    if (server) {
        server->signal(SIGTERM);
        server->wait(std::chrono::seconds(10));
    }
    if (!results) {
        std::cerr << "samspil-bench: " << results.error() << "\n";
        return 1;
    }

    const double seconds = static_cast<double>(end.wallUs - start.wallUs) / 1e6;
    const double serverCpu = end.server.cpuSeconds - start.server.cpuSeconds;
    const auto delta = [&](const std::string& prefix) {
        return sumMetrics(end.metrics, prefix) - sumMetrics(start.metrics, prefix);
    };
    const double packetsIn = delta("samspil_media_packets_in_total");
    const double packetsOut = delta("samspil_media_packets_out_total");
    const double drops = delta("samspil_media_packets_dropped_total");
    const double serverDisconnects = delta("samspil_disconnects_total");
    const double frameMs = options->frameSamples / 48.0;
    const int rooms = (options->participants + options->roomSize - 1) / options->roomSize;

    nlohmann::json report{
        {"participants", options->participants},
        {"room_size", options->roomSize},
        {"rooms", rooms},
        {"frame_ms", frameMs},
        {"burst", options->burst},
        {"seconds", seconds},
        {"joined", results->joined},
        {"send_rate_percent_min", results->sendRateMinPercent},
        {"send_rate_percent_mean", results->sendRateMeanPercent},
        {"server_cpu_percent", 100.0 * serverCpu / seconds},
        {"server_rss_mib", static_cast<double>(end.server.rssKiB) / 1024.0},
        {"packets_in_per_s", packetsIn / seconds},
        {"packets_out_per_s", packetsOut / seconds},
        {"received_by_clients_per_s", static_cast<double>(results->packetsReceived) / seconds},
        {"relay_p50_ms", results->relayLatency.percentileMicros(0.5) / 1000.0},
        {"relay_p99_ms", results->relayLatency.percentileMicros(0.99) / 1000.0},
        {"relay_max_ms", static_cast<double>(results->relayLatency.maxMicros()) / 1000.0},
        {"server_relay_p50_ms_at_most", 1000 * histogramQuantile(start.metrics, end.metrics, "samspil_relay_latency_seconds", 0.5)},
        {"server_relay_p99_ms_at_most", 1000 * histogramQuantile(start.metrics, end.metrics, "samspil_relay_latency_seconds", 0.99)},
        {"server_drops", drops},
        {"disconnects", results->disconnects + static_cast<int>(serverDisconnects)},
        {"receive_gaps_over_20ms", results->receiveGaps},
        {"longest_gap_ms", results->longestGapMs},
        {"chat_rtt_p50_ms", results->chatRoundTrip.percentileMicros(0.5) / 1000.0},
        {"chat_rtt_max_ms", static_cast<double>(results->chatRoundTrip.maxMicros()) / 1000.0},
        {"bench_cpu_percent", 100.0 * (end.benchCpu - start.benchCpu) / seconds},
        {"server_us_per_relayed_packet", packetsOut > 0 ? serverCpu * 1e6 / packetsOut : 0.0},
        {"loopback_send_us", sendMicros},
        {"packet_bytes", wireBytes},
    };

    std::printf("samspil-bench: %d participants in %d rooms of %d, %.1f ms frames, %.1f s measured%s\n",
                options->participants, rooms, options->roomSize, frameMs, seconds,
                options->burst ? ", all sending at once" : "");
    std::printf("  joined                     %d of %d (+1 chat probe)\n", results->joined - 1, options->participants);
    std::printf("  send rate achieved         min %.1f %%, mean %.1f %% of the frame rate\n",
                results->sendRateMinPercent, results->sendRateMeanPercent);
    std::printf("  server CPU                 %.1f %% of one core\n", report["server_cpu_percent"].get<double>());
    std::printf("  server memory (RSS)        %.1f MiB\n", report["server_rss_mib"].get<double>());
    std::printf("  media packets              %.0f in/s, %.0f out/s (clients got %.0f/s)\n", packetsIn / seconds,
                packetsOut / seconds, report["received_by_clients_per_s"].get<double>());
    std::printf("  relay latency, end to end  p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                report["relay_p50_ms"].get<double>(), report["relay_p99_ms"].get<double>(),
                report["relay_max_ms"].get<double>());
    std::printf("  inside the server          p50 <= %.3f ms, p99 <= %.3f ms (receive to write, its own histogram)\n",
                report["server_relay_p50_ms_at_most"].get<double>(), report["server_relay_p99_ms_at_most"].get<double>());
    std::printf("  drops, disconnects         %.0f, %d\n", drops, report["disconnects"].get<int>());
    std::printf("  receive gaps > 20 ms       %llu (longest %.1f ms)\n",
                static_cast<unsigned long long>(results->receiveGaps), results->longestGapMs);
    std::printf("  chat round trip            p50 %.2f ms, max %.2f ms\n", report["chat_rtt_p50_ms"].get<double>(),
                report["chat_rtt_max_ms"].get<double>());
    std::printf("  bench's own CPU            %.1f %% of one core\n", report["bench_cpu_percent"].get<double>());
    std::printf("  server CPU per packet out  %.2f us (a plain send() of %zu bytes on loopback TCP: %.2f us)\n",
                report["server_us_per_relayed_packet"].get<double>(), wireBytes, sendMicros);
    if (options->json) std::printf("%s\n", report.dump().c_str());
    return 0;
}
