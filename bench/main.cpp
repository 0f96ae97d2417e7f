// samspil-bench: load a samspil-server with N participants in rooms of k and report what
// it costs and what it adds. See --help and docs/performance.md.
#include "bench_options.h"
#include "churn.h"
#include "load_clients.h"
#include "metrics_scrape.h"
#include "process.h"
#include "process_probe.h"
#include "samspil/time/clock.h"
#include "samspil/protocol/media_packet.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/protocol/server_url.h"
#include "samspil/net/http_client.h"
#include "send_cost.h"
#include "samspil/video/test_pattern.h"
#include "samspil/video/video_ladder.h"
#include "samspil/video/vp8_codec.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <fstream>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <optional>
#include <sstream>
#include <regex>
#include <thread>

#include <sched.h>

using namespace samspil;
using namespace samspil::bench;
using samspil::test::histogramQuantile;
using samspil::test::ProcessUsage;
using samspil::test::readProcessUsage;
using samspil::test::selfCpuSeconds;
using samspil::test::MetricValues;
using samspil::test::scrapeMetrics;
using samspil::test::sumMetrics;

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

// Three seconds of the test pattern at a step of the ladder, VP8 at its bitrate (a keyframe
// first): what every camera sends, in a loop. A camera's picture is never clean: noise on the
// bars makes the encoder spend the bitrate a real one would.
std::vector<LoadPlan::VideoFrame> prepareVideo(const video::VideoStep& step) {
    auto encoder = video::Vp8Encoder::create({step.width, step.height, step.framesPerSecond, step.bitrateKbps, 3, 1});
    if (!encoder) throw std::runtime_error(encoder.error());
    std::vector<LoadPlan::VideoFrame> frames;
    std::uint32_t noise = 12345;
    for (int n = 0; n < 3 * step.framesPerSecond; ++n) {
        video::I420Image picture(step.width, step.height);
        video::TestPattern::draw(picture, static_cast<std::uint32_t>(n), 0);
        for (int i = step.width * step.height / 6; i < step.width * step.height; ++i) {
            noise = noise * 1664525u + 1013904223u;
            picture.y()[i] = static_cast<std::uint8_t>(std::clamp(int{picture.y()[i]} + static_cast<int>(noise >> 27) - 16, 0, 255));
        }
        auto encoded = (*encoder)->encode(picture, n == 0);
        if (!encoded) throw std::runtime_error(encoded.error());
        if (*encoded) frames.push_back({(**encoded).bytes, (**encoded).keyframe});
    }
    return frames;
}

// Restricts a process (0: this one) to one CPU, so server and bench do not share a core.
void pinToCpu(int pid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(pid, sizeof set, &set) != 0) std::perror("samspil-bench: sched_setaffinity");
}

// The school's rooms bench-0 … bench-(count − 1), made through the API as the bench's
// admin, whose token the participants of those rooms join with. The admin's token.
Expected<std::string, std::string> makeRecordedRooms(const std::string& host, int port, int count) {
    const std::string url = "ws://" + host + ":" + std::to_string(port);
    auto token = net::signIn(url, "bench@school", "bench-password-1");
    if (!token) return Unexpected{"signing in: " + token.error()};
    net::HttpOptions options;
    options.bearerToken = *token;
    for (int i = 0; i < count; ++i) {
        const nlohmann::json room{{"code", "bench-" + std::to_string(i)}, {"name", "Bench lesson " + std::to_string(i)}};
        auto made = net::httpRequest(url, "POST", "/api/v1/schools/1/rooms", room.dump(), options);
        if (!made || made->status != 201)
            return Unexpected{"making room bench-" + std::to_string(i) + ": " + (made ? made->body : made.error())};
    }
    return *token;
}

// How many files under folder are called name (the mixes made).
int countFilesNamed(const std::string& folder, const std::string& name) {
    int count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder, error))
        if (entry.path().filename() == name) ++count;
    return count;
}

// Bytes in the files under folder (the recordings).
std::uint64_t bytesUnder(const std::string& folder) {
    std::uint64_t bytes = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder, error))
        if (entry.is_regular_file(error)) bytes += entry.file_size(error);
    return bytes;
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
        if (options->churn || options->recordRooms > 0) {
            // A school with one teacher-admin, for the sign-ins of the churn and the recorded lessons.
            std::ofstream(dir->file("password")) << "bench-password-1\n";
            test::ChildProcess create(options->serverBinary,
                                      {"admin", "create-school", "--name", "Bench Musikskole", "--admin-login", "bench@school",
                                       "--admin-name", "Bench", "--admin-password-file", dir->file("password"), "--db",
                                       dir->file("bench.db"), "--fast-password-hashing", "yes"},
                                      dir->path(), dir->file("create-school"));
            if (create.wait(std::chrono::seconds(30)) != 0) {
                std::cerr << "samspil-bench: create-school failed: " << create.stderrText() << "\n";
                return 1;
            }
        }
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

    std::string schoolToken;
    if (options->recordRooms > 0) {
        auto token = makeRecordedRooms(host, port, options->recordRooms);
        if (!token) {
            std::cerr << "samspil-bench: " << token.error() << "\n";
            return 1;
        }
        schoolToken = *token;
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
    plan.udp = options->udp;
    plan.recordedRooms = options->recordRooms;
    plan.token = schoolToken;
    if (options->videoStep >= 0) {
        const video::VideoStep& step = video::kVideoLadder[static_cast<std::size_t>(options->videoStep)];
        plan.videoFrames = prepareVideo(step);
        plan.videoWidth = step.width;
        plan.videoHeight = step.height;
        plan.videoFramesPerSecond = step.framesPerSecond;
    }
    Sample start, end;
    LoadClients load(plan);
    // The soak's extra traffic and its memory sample at a sixth of the run ("minute 5 of 30").
    ChurnPlan churnPlan;
    churnPlan.port = port;
    churnPlan.joinsPerSecond = std::max(1.0, options->participants / 50.0);
    churnPlan.roomCount = std::max(1, (options->participants + options->roomSize - 1) / options->roomSize);
    if (server) {
        churnPlan.signInLogin = "bench@school";
        churnPlan.signInPassword = "bench-password-1";
    }
    Churn churn(churnPlan);
    std::thread rssSampler;
    std::atomic<bool> measuring{false};
    std::uint64_t rssEarlyKiB = 0;
    const std::string recordingsFolder = dir ? dir->file("recordings") : std::string();
    std::uint64_t recordedBytesStart = 0, recordedBytesEnd = 0;
    auto results = load.run(
        [&] {
            start = takeSample(serverPid, port);
            if (options->recordRooms > 0) recordedBytesStart = bytesUnder(recordingsFolder);
            if (!options->churn) return;
            churn.start();
            measuring.store(true);
            rssSampler = std::thread([&] {
                const std::int64_t at = monotonicMicros() + static_cast<std::int64_t>(options->durationSeconds * 1e6 / 6);
                while (measuring.load() && monotonicMicros() < at) std::this_thread::sleep_for(std::chrono::milliseconds(50));
                if (auto usage = readProcessUsage(serverPid)) rssEarlyKiB = usage->rssKiB;
            });
        },
        [&] {
            end = takeSample(serverPid, port);
            if (options->recordRooms > 0) recordedBytesEnd = bytesUnder(recordingsFolder);
        });
    measuring.store(false);
    if (rssSampler.joinable()) rssSampler.join();
    // The clients are gone, so the recorded lessons ended: the server makes their mixes now.
    // Wait for them and take what they cost the mixer thread.
    int mixesMade = 0;
    double mixerCpuSeconds = 0, mixWaitSeconds = 0;
    if (options->recordRooms > 0 && results) {
        const auto before = readProcessUsage(serverPid).value_or(ProcessUsage{});
        const std::int64_t waitStart = monotonicMicros();
        while (mixesMade < results->recordingsStarted && monotonicMicros() - waitStart < 300'000'000) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            mixesMade = countFilesNamed(recordingsFolder, "mix.opus");
        }
        mixWaitSeconds = static_cast<double>(monotonicMicros() - waitStart) / 1e6;
        const auto after = readProcessUsage(serverPid).value_or(ProcessUsage{});
        const auto mixerCpu = [](const ProcessUsage& usage) {
            const auto it = usage.threadCpuSeconds.find("sp-mixer");
            return it == usage.threadCpuSeconds.end() ? 0.0 : it->second;
        };
        mixerCpuSeconds = mixerCpu(after) - mixerCpu(before);
    }
    const ChurnResults churned = options->churn ? churn.stop() : ChurnResults{};
    std::optional<int> serverExit;
    int serverLogErrors = 0;
    if (server) {
        server->signal(SIGTERM);
        serverExit = server->wait(std::chrono::seconds(20));
        std::istringstream log(server->stderrText());
        for (std::string line; std::getline(log, line);)
            if (line.find(" ERROR ") != std::string::npos) ++serverLogErrors;
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
    // Participants who said goodbye (the churn's visitors) are not disconnects.
    const double serverDisconnects =
        delta("samspil_disconnects_total") - delta("samspil_disconnects_total{reason=\"leave\"}");
    const double frameMs = options->frameSamples / 48.0;
    const int rooms = (options->participants + options->roomSize - 1) / options->roomSize;

    nlohmann::json report{
        {"participants", options->participants},
        {"room_size", options->roomSize},
        {"rooms", rooms},
        {"frame_ms", frameMs},
        {"burst", options->burst},
        {"udp", options->udp},
        {"on_udp", results->onUdp},
        {"udp_packets_out_per_s", delta("samspil_udp_media_packets_out_total") / seconds},
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
    if (options->videoStep >= 0) {
        const double framesIn = delta("samspil_video_frames_in_total");
        report["video"] = {
            {"step", video::kVideoLadder[static_cast<std::size_t>(options->videoStep)].name},
            {"frames_sent_per_s", static_cast<double>(results->videoFramesSent) / seconds},
            {"frames_in_per_s", framesIn / seconds},
            {"frames_out_per_s", delta("samspil_video_frames_out_total") / seconds},
            {"received_by_clients_per_s", static_cast<double>(results->videoFramesReceived) / seconds},
            {"kbit_per_s_per_participant_in", delta("samspil_video_bytes_in_total") * 8 / 1000 / seconds / options->participants},
            {"received_kbit_per_s", static_cast<double>(results->videoBytesReceived) * 8 / 1000 / seconds},
            {"dropped", delta("samspil_video_frames_dropped_total")},
            {"relay_p50_ms", results->videoRelayLatency.percentileMicros(0.5) / 1000.0},
            {"relay_p99_ms", results->videoRelayLatency.percentileMicros(0.99) / 1000.0},
        };
    }
    // Why connections closed in the window, by the server's reasons (a failed soak says why).
    nlohmann::json reasons = nlohmann::json::object();
    const std::string reasonPrefix = "samspil_disconnects_total{reason=\"";
    for (const auto& [name, value] : end.metrics)
        if (name.rfind(reasonPrefix, 0) == 0) {
            const double count = value - (start.metrics.count(name) ? start.metrics.at(name) : 0.0);
            if (count > 0) reasons[name.substr(reasonPrefix.size(), name.size() - reasonPrefix.size() - 2)] = count;
        }
    report["disconnect_reasons"] = reasons;
    // Where the server's CPU went, by thread (service: the relay's own loop).
    nlohmann::json threads = nlohmann::json::object();
    for (const auto& [name, cpu] : end.server.threadCpuSeconds) {
        const auto before = start.server.threadCpuSeconds.find(name);
        threads[name] = 100.0 * (cpu - (before == start.server.threadCpuSeconds.end() ? 0.0 : before->second)) / seconds;
    }
    report["server_cpu_percent_by_thread"] = threads;
    report["server_disk_write_kib_per_s"] =
        static_cast<double>(end.server.diskWriteBytes - start.server.diskWriteBytes) / 1024.0 / seconds;
    if (options->recordRooms > 0) {
        report["record_rooms"] = options->recordRooms;
        report["recordings_started"] = results->recordingsStarted;
        report["recorded_kib_per_s"] = static_cast<double>(recordedBytesEnd - recordedBytesStart) / 1024.0 / seconds;
        report["mixes_made"] = mixesMade;
        report["mixer_cpu_seconds"] = mixerCpuSeconds;
        report["mixes_ready_after_s"] = mixWaitSeconds;
    }
    if (options->churn) {
        report["churn"] = {{"joins", churned.joins},   {"leaves", churned.leaves},     {"chats", churned.chats},
                           {"sign_ins", churned.signIns}, {"failures", churned.failures}};
        report["server_rss_early_mib"] = static_cast<double>(rssEarlyKiB) / 1024.0;
        report["server_rss_growth_percent"] =
            rssEarlyKiB > 0 ? 100.0 * (static_cast<double>(end.server.rssKiB) - static_cast<double>(rssEarlyKiB)) /
                                  static_cast<double>(rssEarlyKiB)
                            : 0.0;
    }
    if (server) {
        report["server_log_errors"] = serverLogErrors;
        report["server_exit_code"] = serverExit ? *serverExit : -1;
    }

    std::printf("samspil-bench: %d participants in %d rooms of %d, %.1f ms frames, %.1f s measured%s%s\n",
                options->participants, rooms, options->roomSize, frameMs, seconds,
                options->burst ? ", all sending at once" : "", options->udp ? ", media by UDP" : "");
    if (options->udp)
        std::printf("  on the UDP path            %d of %d participants, %.0f of the packets out/s\n", results->onUdp,
                    options->participants, report["udp_packets_out_per_s"].get<double>());
    std::printf("  joined                     %d of %d (+1 chat probe)\n", results->joined - 1, options->participants);
    std::printf("  send rate achieved         min %.1f %%, mean %.1f %% of the frame rate\n",
                results->sendRateMinPercent, results->sendRateMeanPercent);
    std::printf("  server CPU                 %.1f %% of one core\n", report["server_cpu_percent"].get<double>());
    std::string byThread;
    for (const auto& [name, percent] : threads.items())
        if (percent.get<double>() >= 0.05 || name == "service")
            byThread += (byThread.empty() ? "" : ", ") + name + " " + std::to_string(percent.get<double>()).substr(0, 4) + " %";
    std::printf("  server CPU by thread       %s\n", byThread.c_str());
    std::printf("  server memory (RSS)        %.1f MiB\n", report["server_rss_mib"].get<double>());
    std::printf("  server disk writes         %.1f KiB/s\n", report["server_disk_write_kib_per_s"].get<double>());
    if (options->recordRooms > 0)
        std::printf("  recorded lessons           %d of %d started; %.1f KiB/s into their track files\n",
                    results->recordingsStarted, options->recordRooms, report["recorded_kib_per_s"].get<double>());
    if (options->recordRooms > 0)
        std::printf("  mixes after the lessons    %d made within %.1f s of the end, %.2f s of CPU on the mixer thread\n",
                    mixesMade, mixWaitSeconds, mixerCpuSeconds);
    std::printf("  media packets              %.0f in/s, %.0f out/s (clients got %.0f/s)\n", packetsIn / seconds,
                packetsOut / seconds, report["received_by_clients_per_s"].get<double>());
    std::printf("  relay latency, end to end  p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                report["relay_p50_ms"].get<double>(), report["relay_p99_ms"].get<double>(),
                report["relay_max_ms"].get<double>());
    std::printf("  inside the server          p50 <= %.3f ms, p99 <= %.3f ms (receive to write, its own histogram)\n",
                report["server_relay_p50_ms_at_most"].get<double>(), report["server_relay_p99_ms_at_most"].get<double>());
    if (options->videoStep >= 0) {
        const auto& v = report["video"];
        std::printf("  video (%s, every camera)  %.0f frames/s sent, %.0f in, %.0f out, clients got %.0f/s; %.0f kbit/s"
                    " per camera; %.0f dropped\n",
                    v["step"].get<std::string>().c_str(), v["frames_sent_per_s"].get<double>(), v["frames_in_per_s"].get<double>(),
                    v["frames_out_per_s"].get<double>(), v["received_by_clients_per_s"].get<double>(),
                    v["kbit_per_s_per_participant_in"].get<double>(), v["dropped"].get<double>());
        std::printf("  video relay, end to end    p50 %.3f ms, p99 %.3f ms (a whole frame)\n", v["relay_p50_ms"].get<double>(),
                    v["relay_p99_ms"].get<double>());
    }
    std::printf("  drops, disconnects         %.0f, %d\n", drops, report["disconnects"].get<int>());
    if (!reasons.empty()) std::printf("  closed by the server, why  %s\n", reasons.dump().c_str());
    std::printf("  receive gaps > 20 ms       %llu (longest %.1f ms)\n",
                static_cast<unsigned long long>(results->receiveGaps), results->longestGapMs);
    std::printf("  chat round trip            p50 %.2f ms, max %.2f ms\n", report["chat_rtt_p50_ms"].get<double>(),
                report["chat_rtt_max_ms"].get<double>());
    std::printf("  bench's own CPU            %.1f %% of one core\n", report["bench_cpu_percent"].get<double>());
    std::printf("  server CPU per packet out  %.2f us (a plain send() of %zu bytes on loopback TCP: %.2f us)\n",
                report["server_us_per_relayed_packet"].get<double>(), wireBytes, sendMicros);
    if (options->churn)
        std::printf("  churn                      %llu joins, %llu leaves, %llu chats, %llu sign-ins, %llu failures;"
                    " server RSS %.1f MiB at a sixth of the run, %.1f MiB at the end (%+.1f %%)\n",
                    static_cast<unsigned long long>(churned.joins), static_cast<unsigned long long>(churned.leaves),
                    static_cast<unsigned long long>(churned.chats), static_cast<unsigned long long>(churned.signIns),
                    static_cast<unsigned long long>(churned.failures), report["server_rss_early_mib"].get<double>(),
                    report["server_rss_mib"].get<double>(), report["server_rss_growth_percent"].get<double>());
    if (server)
        std::printf("  server log errors, exit    %d, %d\n", serverLogErrors, report["server_exit_code"].get<int>());
    if (options->json) std::printf("%s\n", report.dump().c_str());
    return 0;
}
