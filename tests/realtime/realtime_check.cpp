// The native audio callback under a real-time guard: RoomAudioEngine::process() — capture
// and encode, three remote participants through jitter buffers and Opus decoders, the mix,
// the room's metronome on the server's grid, and interval mode's delay lines from second 20
// on — for a minute of audio, on a thread where every allocation, mutex lock, system call
// and page fault inside the callback is counted (realtime_guard.h). Exits 1 on any; also
// when it measured nothing (no packets played, no interval, silence).
// Usage: samspil-realtime-check [SECONDS]     (default 60)
//        samspil-realtime-check --self-test  (the guard sees each kind of violation)
#include "realtime_guard.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/audio/room_audio_engine.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace samspil;

namespace {

constexpr int kBlock = 128;
constexpr int kFrame = 240;  // 5 ms
constexpr std::int64_t kStreamEpochServerUs = 5'000'000'000;

// Packets of three remote players, made before the callback runs, handed over as they "arrive".
class ScriptedTransport : public MediaTransport {
public:
    struct Arrival {
        std::int64_t atUs;
        MediaSlot slot;
    };
    std::vector<Arrival> arrivals;  // in arrival order
    std::size_t next = 0;
    std::int64_t nowUs = 0;         // set by the audio thread before each block
    std::uint64_t sent = 0;

    bool sendMediaFromAudioThread(std::uint32_t, std::uint32_t, bool, std::span<const std::uint8_t>) override {
        ++sent;
        return true;
    }
    bool popIncomingOnAudioThread(MediaSlot& packet) override {
        if (next >= arrivals.size() || arrivals[next].atUs > nowUs) return false;
        packet = arrivals[next++].slot;
        return true;
    }
    bool readyToSend() const override { return true; }
};

void script(ScriptedTransport& transport, double seconds) {
    std::mt19937 random(11);
    std::uniform_int_distribution<int> jitterUs(0, 3000);
    const int frames = static_cast<int>(seconds * 48000 / kFrame);
    for (int stream = 0; stream < 3; ++stream) {
        auto encoder = OpusStreamEncoder::create({1, kFrame, 64000, 5, 5});
        if (!encoder) std::abort();
        const double hz = 330.0 + 110.0 * stream;
        std::vector<float> pcm(kFrame);
        std::vector<std::uint8_t> packet(protocol::kMaxOpusPayloadBytes);
        for (int n = 0; n < frames; ++n) {
            for (int i = 0; i < kFrame; ++i) pcm[static_cast<std::size_t>(i)] = 0.3f * static_cast<float>(std::sin(2 * M_PI * hz * (n * kFrame + i) / 48000.0));
            const int bytes = encoder->encodeFrame(pcm.data(), kFrame, packet);
            if (bytes <= 0) std::abort();
            ScriptedTransport::Arrival arrival;
            arrival.atUs = static_cast<std::int64_t>(n) * 5000 + 8000 + jitterUs(random);
            const auto flags = static_cast<std::uint8_t>(n == 0 ? protocol::kMediaFlagStreamStart : 0);
            arrival.slot.header = protocol::MediaHeader{flags,
                                                         static_cast<std::uint16_t>(100 + stream), static_cast<std::uint32_t>(n),
                                                         static_cast<std::uint32_t>(n * kFrame)};
            arrival.slot.arrivalUs = arrival.atUs;
            arrival.slot.length = static_cast<std::uint16_t>(bytes);
            std::copy(packet.begin(), packet.begin() + bytes, arrival.slot.payload.begin());
            transport.arrivals.push_back(arrival);
        }
    }
    std::stable_sort(transport.arrivals.begin(), transport.arrivals.end(),
                     [](const auto& a, const auto& b) { return a.atUs < b.atUs; });
}

// The guard itself: one of each thing an audio thread must not do, each seen.
int selfTest() {
    std::thread probe([&] {
        char* page = static_cast<char*>(std::aligned_alloc(4096, 1 << 20));  // not touched yet
        std::free(std::malloc(64));  // the thread's malloc arena exists before its system calls are refused
        realtime::confineThisThread();
        realtime::arm();
        { std::vector<int> allocated(16); allocated[3] = 1; }
        pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&mutex);
        pthread_mutex_unlock(&mutex);
        ::syscall(SYS_getpid);
        page[512 * 1024] = 1;
        realtime::disarm();
        std::free(page);
    });
    probe.join();
    const realtime::Violations seen = realtime::violations();
    std::printf("samspil-realtime-check --self-test: %s\n", seen.describe().c_str());
    return seen.allocations >= 1 && seen.locks >= 1 && seen.systemCalls >= 1 && seen.pageFaults >= 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--self-test") return selfTest();
    const double seconds = argc > 1 ? std::atof(argv[1]) : 60.0;
    if (seconds < 25) {
        std::fprintf(stderr, "samspil-realtime-check: run at least 25 s (interval mode starts at 20 s)\n");
        return 2;
    }
    pthread_mutex_t warm = PTHREAD_MUTEX_INITIALIZER;  // the interposed lock finds the real one now, not armed
    pthread_mutex_lock(&warm);
    pthread_mutex_unlock(&warm);

    ScriptedTransport transport;
    script(transport, seconds);
    EngineSettings settings;
    settings.maxPeers = 8;
    auto created = RoomAudioEngine::create(settings, transport);
    if (!created) {
        std::fprintf(stderr, "samspil-realtime-check: %s\n", created.error().c_str());
        return 1;
    }
    RoomAudioEngine& engine = **created;
    // What the message thread does when the room's grid arrives: the clock, the grid, every
    // player's epoch, the delay lines made (and touched) here, interval mode from second 20.
    const std::int64_t clockOffsetUs = kStreamEpochServerUs;  // server clock = local + this
    engine.metronome().setServerOffsetUs(clockOffsetUs);
    engine.metronome().followRoomGrid(kStreamEpochServerUs + 500'000, 120, 4, true);
    for (int stream = 0; stream < 3; ++stream) engine.setStreamEpoch(static_cast<std::uint16_t>(100 + stream), kStreamEpochServerUs);
    engine.prepareIntervalMode();
    engine.setIntervalMode(2'000'000, kStreamEpochServerUs + 20'000'000);

    std::vector<float> input(kBlock), left(kBlock), right(kBlock);
    double energy = 0;
    std::uint64_t blocks = 0;
    std::thread audio([&] {
        realtime::confineThisThread();
        const float* inputs[1] = {input.data()};
        const std::int64_t warmUpBlocks = 48000 / kBlock;  // the first second: stack and codec state first touched
        const auto total = static_cast<std::int64_t>(seconds * 48000 / kBlock);
        for (std::int64_t block = 0; block < total; ++block) {
            const std::int64_t nowUs = block * kBlock * 1'000'000 / 48000;
            for (int i = 0; i < kBlock; ++i) input[static_cast<std::size_t>(i)] = 0.2f * static_cast<float>(std::sin(block * kBlock + i));
            transport.nowUs = nowUs;
            const bool measured = block >= warmUpBlocks;
            if (measured) realtime::arm();
            engine.process(inputs, 1, left.data(), right.data(), nullptr, kBlock, nowUs);
            if (measured) realtime::disarm();
            for (int i = 0; i < kBlock; ++i) energy += left[static_cast<std::size_t>(i)] * left[static_cast<std::size_t>(i)];
            ++blocks;
        }
    });
    audio.join();

    std::uint64_t played = 0;
    for (int slot = 0; slot < settings.maxPeers; ++slot) played += engine.peer(slot).received.load();
    const realtime::Violations seen = realtime::violations();
    const double rmsLevel = std::sqrt(energy / static_cast<double>(blocks * kBlock));
    std::printf("samspil-realtime-check: %.0f s of audio in %llu callbacks of %d frames: %llu packets received, %llu frames "
                "sent, interval delay %lld ms, mix RMS %.3f; in the callback: %s\n",
                seconds, static_cast<unsigned long long>(blocks), kBlock, static_cast<unsigned long long>(played),
                static_cast<unsigned long long>(transport.sent), static_cast<long long>(engine.intervalDelayUs() / 1000),
                rmsLevel, seen.describe().c_str());
    if (played < transport.arrivals.size() * 9 / 10 || engine.intervalDelayUs() != 2'000'000 || rmsLevel < 0.01) {
        std::fprintf(stderr, "samspil-realtime-check: measured nothing useful (the engine did not play the room)\n");
        return 1;
    }
    return seen.total() == 0 ? 0 : 1;
}
