// samspil-jack-transport: a DAW's transport for tests — JACK's timebase master at a fixed
// tempo and time signature (bars counted from frame 0, as JACK's transport masters do),
// which starts the transport, optionally jumps to another frame while it rolls (a user
// moving the play head), and at the end prints as JSON when transport frame 0 was (or
// would have been) on the machine's monotonic clock, per stretch between jumps: as seen at
// the stretch's start, and how fast that moves (JACK's clock against the real one). The plugin
// test checks the room's grid and the plugin's clicks against the DAW's bars from it.
//
// Usage: samspil-jack-transport --bpm B --beats-per-bar N --seconds S
//                               [--locate-after S2 --locate-frame F]
#include "jack_clock.h"

#include <jack/jack.h>
#include <jack/transport.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#include <time.h>

namespace {

using samspil::test::jackClockOffset;

constexpr int kMaxCycles = 1 << 14;

struct Transport {
    jack_client_t* client = nullptr;
    double bpm = 120;
    int beatsPerBar = 4;
    // Written by the process thread, read by main() after deactivation: per rolling cycle,
    // the transport frame and JACK's time of the cycle's first frame.
    std::array<jack_nframes_t, kMaxCycles> frames{};
    std::array<jack_time_t, kMaxCycles> times{};
    std::atomic<int> cycles{0};
};

// JACK's process thread: the BBT position of the transport frame, at a constant tempo.
void timebase(jack_transport_state_t, jack_nframes_t, jack_position_t* position, int, void* arg) {
    const auto& transport = *static_cast<const Transport*>(arg);
    const double beats = static_cast<double>(position->frame) / position->frame_rate * transport.bpm / 60.0;
    const auto wholeBeats = static_cast<std::int64_t>(std::floor(beats));
    position->valid = JackPositionBBT;
    position->bar = static_cast<std::int32_t>(wholeBeats / transport.beatsPerBar + 1);
    position->beat = static_cast<std::int32_t>(wholeBeats % transport.beatsPerBar + 1);
    position->ticks_per_beat = 1920;
    position->tick = static_cast<std::int32_t>((beats - static_cast<double>(wholeBeats)) * 1920);
    position->bar_start_tick = static_cast<double>(position->bar - 1) * transport.beatsPerBar * 1920;
    position->beats_per_bar = static_cast<float>(transport.beatsPerBar);
    position->beat_type = 4;
    position->beats_per_minute = transport.bpm;
}

int process(jack_nframes_t, void* arg) {
    auto& transport = *static_cast<Transport*>(arg);
    jack_position_t position;
    if (jack_transport_query(transport.client, &position) != JackTransportRolling) return 0;
    const int n = transport.cycles.load(std::memory_order_relaxed);
    if (n >= kMaxCycles) return 0;
    transport.frames[static_cast<std::size_t>(n)] = position.frame;
    transport.times[static_cast<std::size_t>(n)] = jack_frames_to_time(transport.client, jack_last_frame_time(transport.client));
    transport.cycles.store(n + 1, std::memory_order_release);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Transport transport;
    double seconds = 10, locateAfter = -1;
    jack_nframes_t locateFrame = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        if (name == "--bpm") transport.bpm = std::atof(argv[i + 1]);
        else if (name == "--beats-per-bar") transport.beatsPerBar = std::atoi(argv[i + 1]);
        else if (name == "--seconds") seconds = std::atof(argv[i + 1]);
        else if (name == "--locate-after") locateAfter = std::atof(argv[i + 1]);
        else if (name == "--locate-frame") locateFrame = static_cast<jack_nframes_t>(std::atol(argv[i + 1]));
    }
    if (transport.bpm < 1 || transport.beatsPerBar < 1) {
        std::fprintf(stderr, "usage: samspil-jack-transport --bpm B --beats-per-bar N --seconds S [--locate-after S2 --locate-frame F]\n");
        return 2;
    }
    jack_status_t status{};
    transport.client = jack_client_open("samspil_transport", JackNoStartServer, &status);
    if (!transport.client) {
        std::fprintf(stderr, "samspil-jack-transport: no JACK server (status 0x%x)\n", static_cast<unsigned>(status));
        return 3;
    }
    jack_set_process_callback(transport.client, process, &transport);
    if (jack_set_timebase_callback(transport.client, 0, timebase, &transport) != 0 || jack_activate(transport.client) != 0) {
        std::fprintf(stderr, "samspil-jack-transport: cannot become JACK's timebase master\n");
        jack_client_close(transport.client);
        return 3;
    }
    jack_transport_locate(transport.client, 0);
    jack_transport_start(transport.client);
    const auto started = std::chrono::steady_clock::now();
    if (locateAfter > 0) {
        std::this_thread::sleep_until(started + std::chrono::duration<double>(locateAfter));
        jack_transport_locate(transport.client, locateFrame);
    }
    std::this_thread::sleep_until(started + std::chrono::duration<double>(seconds));
    jack_transport_stop(transport.client);
    const std::int64_t offset = jackClockOffset();
    const double rate = jack_get_sample_rate(transport.client);
    const jack_nframes_t period = jack_get_buffer_size(transport.client);
    jack_deactivate(transport.client);

    // Stretches between jumps; per stretch, the median of each cycle's idea of when frame 0
    // was. A cycle JACK's dummy driver missed skips frames but not time: no jump.
    const int cycles = transport.cycles.load(std::memory_order_acquire);
    const auto zeroAt = [&](int c) {
        return static_cast<double>(transport.times[static_cast<std::size_t>(c)]) - static_cast<double>(offset) -
               transport.frames[static_cast<std::size_t>(c)] * 1e6 / rate;
    };
    std::printf("{\"jack_minus_monotonic_us\":%lld,\"segments\":[", static_cast<long long>(offset));
    int first = 0;
    bool printed = false;
    for (int i = 1; i <= cycles; ++i) {
        const bool jumped = i == cycles || (transport.frames[static_cast<std::size_t>(i)] !=
                                                transport.frames[static_cast<std::size_t>(i - 1)] + period &&
                                            std::fabs(zeroAt(i) - zeroAt(i - 1)) > 1000.0);
        if (!jumped) continue;
        // JACK's dummy driver on a busy machine runs slower than real time (no sound card is
        // off by more than ~100 ppm; it was by 1600–6000 in some runs): then "frame 0" moves
        // over the stretch. A least-squares line through each cycle's idea of it says where
        // frame 0 lay as seen at any moment, and the driver's rate error.
        const auto timeAt = [&](int c) {
            return static_cast<double>(transport.times[static_cast<std::size_t>(c)]) - static_cast<double>(offset);
        };
        const double t0 = timeAt(first);
        double sumT = 0, sumZ = 0, sumTT = 0, sumTZ = 0;
        const int n = i - first;
        for (int c = first; c < i; ++c) {
            const double t = timeAt(c) - t0, z = zeroAt(c);
            sumT += t;
            sumZ += z;
            sumTT += t * t;
            sumTZ += t * z;
        }
        const double denominator = n * sumTT - sumT * sumT;
        const double slope = n > 1 && denominator > 0 ? (n * sumTZ - sumT * sumZ) / denominator : 0.0;
        const double zeroAtStart = (sumZ - slope * sumT) / n;
        std::printf("%s{\"from_us\":%lld,\"to_us\":%lld,\"cycles\":%d,\"zero_us\":%.0f,\"zero_drift_ppm\":%.0f}",
                    printed ? "," : "", static_cast<long long>(timeAt(first)), static_cast<long long>(timeAt(i - 1)), n,
                    zeroAtStart, slope * 1e6);
        printed = true;
        first = i;
    }
    std::printf("]}\n");
    jack_client_close(transport.client);
    return cycles > 0 ? 0 : 4;
}
