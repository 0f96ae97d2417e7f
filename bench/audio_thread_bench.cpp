// samspil-audio-bench: what the audio callback costs in a client, as the desktop app and
// the plugin run it — RoomAudioEngine::process() on 128-frame blocks at real-time pace,
// sending through a joined SessionClient to a real server (started here, on loopback),
// while a second participant's tone comes back. Prints JSON: time per callback (mean,
// p99, max) and how often the audio thread woke the network thread.
//
// Usage: samspil-audio-bench [SECONDS] [FRAME_SAMPLES] [BLOCK_FRAMES]
#include "process.h"
#include "samspil/time/clock.h"
#include "samspil/audio/room_audio_engine.h"
#include "samspil/net/session_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>
#include <thread>
#include <vector>

using namespace samspil;

namespace {

// The engine's transport straight onto a SessionClient (the app adds only an atomic guard).
class ClientTransport : public MediaTransport {
public:
    explicit ClientTransport(net::SessionClient& client) : client_(client) {}
    bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                  std::span<const std::uint8_t> opusPacket) override {
        return client_.sendMediaFromAudioThread(sequence, timestamp, stereo, opusPacket);
    }
    bool popIncomingOnAudioThread(MediaSlot& packet) override { return client_.popIncomingOnAudioThread(packet); }
    bool readyToSend() const override { return client_.state() == net::SessionState::Joined; }

private:
    net::SessionClient& client_;
};

int fail(const std::string& why) {
    std::cerr << "samspil-audio-bench: " << why << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const int frameSamples = argc > 2 ? std::atoi(argv[2]) : 240;
    const int kBlock = argc > 3 ? std::atoi(argv[3]) : 128;
    if (seconds <= 0 || kBlock <= 0 || kBlock > 16384) return fail("usage: samspil-audio-bench [SECONDS] [FRAME_SAMPLES] [BLOCK_FRAMES]");

    test::TempDir dir;
    test::ChildProcess server(SAMSPIL_SERVER_BINARY, {"--port", "0", "--open-rooms", "--db", dir.file("samspil.db")},
                              dir.path(), dir.file("server"));
    const std::regex listening(R"(listening on ws://[^:]+:(\d+)/ws)");
    std::smatch match;
    std::string out;
    test::waitUntil([&] { out = server.stdoutText(); return std::regex_search(out, match, listening); },
                    std::chrono::seconds(20));
    if (!std::regex_search(out, match, listening)) return fail("the server did not start");
    const std::string url = "ws://127.0.0.1:" + match[1].str();

    // The other participant plays a tone into the room for the whole run.
    test::ChildProcess other(SAMSPIL_CLI_BINARY,
                             {"--server", url, "--room", "bench", "--name", "Other", "--tone", "440", "--duration",
                              std::to_string(static_cast<int>(seconds) + 5)},
                             dir.path(), dir.file("other"));

    net::SessionListener quiet;
    net::SessionConfig config;
    config.serverUrl = url;
    config.room = "bench";
    config.name = "Bench";
    config.frameSamples = frameSamples;
    net::SessionClient client(config, quiet);
    if (!client.start()) return fail("cannot start the client");
    if (!test::waitUntil([&] { return client.state() == net::SessionState::Joined; }, std::chrono::seconds(10)))
        return fail("did not join");
    ClientTransport transport(client);
    EngineSettings settings;
    auto engine = RoomAudioEngine::create(settings, transport);
    if (!engine) return fail(engine.error());
    (*engine)->setFrameSamples(frameSamples);

    std::vector<float> input(static_cast<std::size_t>(kBlock)), left(input.size()), right(input.size());
    std::vector<double> costUs;
    const int blocks = static_cast<int>(seconds * 48000 / kBlock);
    costUs.reserve(static_cast<std::size_t>(blocks));
    const auto wakeUpsBefore = client.counters().wakeUps;
    const std::int64_t start = monotonicMicros();
    double phase = 0;
    for (int block = 0; block < blocks; ++block) {
        const std::int64_t due = start + static_cast<std::int64_t>(block) * kBlock * 1'000'000 / 48000;
        sleepUntilMicros(due);
        for (float& sample : input) {
            sample = 0.3f * static_cast<float>(std::sin(phase));
            phase += 2 * M_PI * 440.0 / 48000.0;
        }
        const float* inputs[1] = {input.data()};
        const auto begin = std::chrono::steady_clock::now();
        (*engine)->process(inputs, 1, left.data(), right.data(), nullptr, kBlock, monotonicMicros());
        costUs.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - begin).count());
    }
    const auto counters = client.counters();
    client.leave();
    other.signal();
    server.signal();
    other.wait(std::chrono::seconds(5));
    server.wait(std::chrono::seconds(5));

    if (costUs.empty() || (*engine)->framesSent() == 0) return fail("measured nothing (no frames sent)");
    std::vector<double> sorted = costUs;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0;
    for (double c : costUs) sum += c;
    nlohmann::json report{
        {"seconds", seconds},
        {"block_frames", kBlock},
        {"frame_samples", frameSamples},
        {"callbacks", costUs.size()},
        {"frames_sent", (*engine)->framesSent()},
        {"peer_heard", (*engine)->peer(0).received.load()},
        {"callback_us", {{"mean", sum / static_cast<double>(costUs.size())},
                         {"p99", sorted[sorted.size() * 99 / 100]},
                         {"max", sorted.back()}}},
        {"network_wakeups", counters.wakeUps - wakeUpsBefore},
        {"network_wakeups_per_second", static_cast<double>(counters.wakeUps - wakeUpsBefore) / seconds},
    };
    std::cout << report.dump() << std::endl;
    return 0;
}
