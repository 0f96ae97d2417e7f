// samspil-jack-probe: listens to one JACK port and prints, as JSON, when each click began
// on the machine's monotonic clock (the clock samspil-cli reports its recordings on), and
// the port's playback latency (how much later that audio leaves the sound card), and how
// far JACK's clock ran from the real one meanwhile (jack_slow_ppm; a sound card's crystal
// is off by tens of ppm, JACK's dummy driver on a busy VM by thousands).
// The desktop test feeds jack_metro into the app and into this probe, so that
// click-to-ear latency = when the cli heard a click − when the click entered JACK.
//
// Usage: samspil-jack-probe --connect PORT --seconds N [--threshold LEVEL]
#include "jack_clock.h"

#include <jack/jack.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <time.h>

namespace {

using samspil::test::jackClockOffset;

// Written by the JACK process thread; read by main() after deactivation.
struct Probe {
    jack_client_t* client = nullptr;
    jack_port_t* port = nullptr;
    float threshold = 0.05f;
    std::int64_t quietFrames = 0;        // since the signal was last above the threshold
    std::array<jack_time_t, 4096> onsets{};
    std::atomic<int> count{0};
    // The first and the latest cycle: JACK's frame time and the monotonic clock, to say how
    // far JACK's clock ran from the real one (a busy machine's dummy driver runs slow).
    std::atomic<bool> started{false};
    jack_nframes_t firstFrame = 0, lastFrame = 0;
    std::int64_t firstUs = 0, lastUs = 0;
};

int process(jack_nframes_t frames, void* arg) {
    auto& probe = *static_cast<Probe*>(arg);
    const auto* samples = static_cast<const float*>(jack_port_get_buffer(probe.port, frames));
    const jack_nframes_t first = jack_last_frame_time(probe.client);
    if (!probe.started.load(std::memory_order_relaxed)) {
        probe.firstFrame = first;
        probe.firstUs = samspil::test::monotonicMicros();
        probe.started.store(true, std::memory_order_relaxed);
    }
    probe.lastFrame = first;
    probe.lastUs = samspil::test::monotonicMicros();
    const std::int64_t minQuiet = jack_get_sample_rate(probe.client) / 5;  // 200 ms between clicks
    for (jack_nframes_t i = 0; i < frames; ++i) {
        if (std::fabs(samples[i]) < probe.threshold) {
            ++probe.quietFrames;
            continue;
        }
        if (probe.quietFrames >= minQuiet) {
            const int n = probe.count.load(std::memory_order_relaxed);
            if (n < static_cast<int>(probe.onsets.size())) {
                probe.onsets[static_cast<std::size_t>(n)] = jack_frames_to_time(probe.client, first + i);
                probe.count.store(n + 1, std::memory_order_release);
            }
        }
        probe.quietFrames = 0;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string source;
    double seconds = 5;
    Probe probe;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        if (name == "--connect") source = argv[i + 1];
        else if (name == "--seconds") seconds = std::atof(argv[i + 1]);
        else if (name == "--threshold") probe.threshold = static_cast<float>(std::atof(argv[i + 1]));
    }
    if (source.empty()) {
        std::fprintf(stderr, "usage: samspil-jack-probe --connect PORT --seconds N [--threshold LEVEL]\n");
        return 2;
    }
    jack_status_t status{};
    probe.client = jack_client_open("samspil_probe", JackNoStartServer, &status);
    if (!probe.client) {
        std::fprintf(stderr, "samspil-jack-probe: no JACK server (status 0x%x)\n", static_cast<unsigned>(status));
        return 3;
    }
    probe.port = jack_port_register(probe.client, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    jack_set_process_callback(probe.client, process, &probe);
    if (!probe.port || jack_activate(probe.client) != 0 || jack_connect(probe.client, source.c_str(), jack_port_name(probe.port)) != 0) {
        std::fprintf(stderr, "samspil-jack-probe: cannot listen to %s\n", source.c_str());
        jack_client_close(probe.client);
        return 3;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const std::int64_t offset = jackClockOffset();
    // How long after entering the graph the source's audio leaves the sound card.
    jack_latency_range_t playback{0, 0};
    if (jack_port_t* sourcePort = jack_port_by_name(probe.client, source.c_str()))
        jack_port_get_latency_range(sourcePort, JackPlaybackLatency, &playback);
    jack_deactivate(probe.client);
    const int count = probe.count.load(std::memory_order_acquire);
    const double jackSeconds = static_cast<double>(probe.lastFrame - probe.firstFrame) / jack_get_sample_rate(probe.client);
    const double realSeconds = static_cast<double>(probe.lastUs - probe.firstUs) / 1e6;
    const double driftPpm = jackSeconds > 1.0 ? (realSeconds / jackSeconds - 1.0) * 1e6 : 0.0;
    std::printf("{\"jack_minus_monotonic_us\":%lld,\"playback_latency_frames\":%u,\"jack_slow_ppm\":%.0f,\"onsets_us\":[",
                static_cast<long long>(offset), playback.max, driftPpm);
    for (int i = 0; i < count; ++i)
        std::printf("%s%lld", i ? "," : "", static_cast<long long>(static_cast<std::int64_t>(probe.onsets[static_cast<std::size_t>(i)]) - offset));
    std::printf("]}\n");
    jack_client_close(probe.client);
    return 0;
}
