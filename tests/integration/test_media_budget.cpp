// One participant sending 20 times the media a player sends (4,000 packets a second instead of
// 200) must not cost the others their lesson: the server holds each participant to a media
// budget (rooms/room_limits.h), drops and counts what is over it, and its memory stays
// bounded. Two samspil-clis hear each other first alone (the spread of a quiet machine),
// then with the flooder in the room (a SessionClient in this process, over UDP and, where
// that is not up yet, the WebSocket); their losses and mouth-to-ear p99 are compared.
#include "http_get.h"
#include "metrics_scrape.h"
#include "process_probe.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/net/session_client.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

struct Heard {
    std::uint64_t received = 0;
    std::uint64_t trouble = 0;  // lost + concealed
    double p99Ms = 0;
};

Heard heardFrom(const CliRun& listener, const std::string& name) {
    const auto* peer = listener.peerNamed(name);
    REQUIRE(peer != nullptr);
    return {(*peer)["received"].get<std::uint64_t>(),
            (*peer)["lost"].get<std::uint64_t>() + (*peer)["concealed"].get<std::uint64_t>(),
            (*peer)["mouth_to_ear_ms"]["p99"].get<double>()};
}

// A participant who sends far too much: `perFrame` packets every 5 ms, from a plain thread.
class Flooder : public net::SessionListener {
public:
    Flooder(const std::string& url, int perFrame) : perFrame_(perFrame) {
        net::SessionConfig config;
        config.serverUrl = url;
        config.room = "budget";
        config.name = "Flood";
        config.outgoingQueuePackets = 4096;
        client_ = std::make_unique<net::SessionClient>(config, *this);
    }
    void start() {
        REQUIRE(client_->start());
        thread_ = std::thread([this] { run(); });
    }
    std::uint64_t stop() {
        running_ = false;
        if (thread_.joinable()) thread_.join();
        client_->leave();
        return sent_;
    }

private:
    void run() {
        auto encoder = OpusStreamEncoder::create({1, 240, 64000, 5, 5});
        REQUIRE(encoder);
        std::vector<float> frame(240, 0.0f);
        std::vector<std::uint8_t> packet(1275);
        const int bytes = encoder->encodeFrame(frame.data(), 240, packet);
        std::uint32_t sequence = 0;
        auto next = std::chrono::steady_clock::now();
        while (running_) {
            for (int i = 0; i < perFrame_; ++i, ++sequence)
                if (client_->sendMediaFromAudioThread(sequence, sequence * 240, false, {packet.data(), static_cast<std::size_t>(bytes)}))
                    ++sent_;
            MediaSlot incoming;
            while (client_->popIncomingOnAudioThread(incoming)) {}  // it hears the room, and throws it away
            next += std::chrono::milliseconds(5);
            std::this_thread::sleep_until(next);
        }
    }

    int perFrame_;
    std::unique_ptr<net::SessionClient> client_;
    std::thread thread_;
    std::atomic<bool> running_{true};
    std::atomic<std::uint64_t> sent_{0};
};

std::vector<std::string> player(const TestServer& server, const std::string& name, const std::string& hz) {
    return {"--server", server.url(), "--room", "budget", "--name", name, "--tone", hz, "--duration", "7", "--stats"};
}

}  // namespace

TEST_CASE("a participant sending 20 times a player's media leaves the others' lesson as it was, the server's memory bounded",
          "[integration][media][budget]") {
    TempDir dir;
#ifdef SAMSPIL_SANITIZED
    // AddressSanitizer keeps freed memory in a quarantine (256 MB by default), which would
    // hide a real bound: a small one for the server this test starts.
    const char* asan = std::getenv("ASAN_OPTIONS");
    ::setenv("ASAN_OPTIONS", (std::string(asan ? asan : "") + ":quarantine_size_mb=4:thread_local_quarantine_size_kb=64").c_str(), 1);
    constexpr std::uint64_t kRssBoundKiB = 48 * 1024;  // the sanitizer's own bookkeeping grows with the traffic
#else
    constexpr std::uint64_t kRssBoundKiB = 32 * 1024;
#endif
    TestServer server(dir);
    const int pid = server.process().pid();

    // Alone: the spread of this machine.
    Heard quietAB, quietBA;
    {
        CliRun a(dir, "a-quiet", player(server, "Ada", "440"));
        CliRun b(dir, "b-quiet", player(server, "Bo", "660"));
        REQUIRE(a.finish() == 0);
        REQUIRE(b.finish() == 0);
        quietAB = heardFrom(b, "Ada");
        quietBA = heardFrom(a, "Bo");
    }
    const auto rssBefore = readProcessUsage(pid);
    REQUIRE(rssBefore);
    const MetricValues before = scrapeMetrics(server.port());

    // With the flooder: 20 packets every 5 ms.
    Flooder flooder(server.url(), 20);
    flooder.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CliRun a(dir, "a-flood", player(server, "Ada", "440"));
    CliRun b(dir, "b-flood", player(server, "Bo", "660"));
    std::uint64_t peakRssKiB = 0;
    for (int i = 0; i < 70; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (const auto usage = readProcessUsage(pid)) peakRssKiB = std::max(peakRssKiB, usage->rssKiB);
    }
    REQUIRE(a.finish() == 0);
    REQUIRE(b.finish() == 0);
    const std::uint64_t flooded = flooder.stop();
    const MetricValues after = scrapeMetrics(server.port());
    const Heard floodAB = heardFrom(b, "Ada");
    const Heard floodBA = heardFrom(a, "Bo");

    const double overBudget = sumMetrics(after, "samspil_media_packets_dropped_total{reason=\"over_budget\"}") -
                              sumMetrics(before, "samspil_media_packets_dropped_total{reason=\"over_budget\"}");
    const double packetsIn = sumMetrics(after, "samspil_media_packets_in_total") - sumMetrics(before, "samspil_media_packets_in_total");
    std::cout << "  the flooder sent " << flooded << " packets (" << static_cast<double>(flooded) / 7.5 << " a second); the server took in "
              << packetsIn << " and dropped " << overBudget << " over the budget; server RSS " << rssBefore->rssKiB / 1024
              << " MiB before, at most " << peakRssKiB / 1024 << " MiB during\n";
    for (const auto& [what, quiet, flood] : {std::tuple{"Bo hears Ada", quietAB, floodAB}, std::tuple{"Ada hears Bo", quietBA, floodBA}})
        std::cout << "  " << what << ": alone " << quiet.received << " received, " << quiet.trouble << " lost or concealed, p99 "
                  << quiet.p99Ms << " ms; beside the flooder " << flood.received << ", " << flood.trouble << ", p99 "
                  << flood.p99Ms << " ms\n";

    CHECK(flooded > 20'000);   // it did send 20×
    CHECK(overBudget > 5'000);  // and the budget took the excess
    for (const auto& [quiet, flood] : {std::pair{quietAB, floodAB}, std::pair{quietBA, floodBA}}) {
        CHECK(flood.received + 50 >= quiet.received);                       // as much heard
        CHECK(flood.trouble <= quiet.trouble + flood.received / 100 + 3);  // no extra drops beyond the spread
        CHECK(flood.p99Ms <= quiet.p99Ms + 5.0);                            // the same delay, within its spread
    }
    CHECK(peakRssKiB < rssBefore->rssKiB + kRssBoundKiB);  // memory bounded
}
