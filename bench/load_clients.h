// LoadClients: N simulated participants, each a real samspil.v1 WebSocket client, all on
// one libwebsockets event loop in the calling thread. They join rooms of k, send a
// prepared Opus packet every frame period (paced by the clock), and measure what comes
// back. One extra client measures a chat round trip while the load runs.
#pragma once

#include "latency_histogram.h"
#include "samspil/base/expected.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace samspil::bench {

struct LoadPlan {
    std::string host;
    int port = 0;
    int participants = 40;
    int roomSize = 4;
    int frameSamples = 240;
    std::vector<std::uint8_t> opusPacket;  ///< sent by everyone, every frame
    double warmupSeconds = 2;
    double durationSeconds = 10;
    bool burst = false;  ///< all participants send at the same instant (worst case), not spread over the frame
    bool udp = false;    ///< media on the server's UDP fast path: one socket for everyone, recvmmsg/sendmmsg
    /// Rooms bench-0 … bench-(recordedRooms − 1) are a school's rooms (made beforehand):
    /// their participants join with `token`, and the first of each records the lesson.
    int recordedRooms = 0;
    std::string token;
    /// With video: every participant's camera is on and sends these VP8 frames (a loop, the
    /// first a keyframe) at `videoFramesPerSecond`, and asks for everyone else's large layer.
    struct VideoFrame {
        std::vector<std::uint8_t> vp8;
        bool keyframe = false;
    };
    std::vector<VideoFrame> videoFrames;
    int videoWidth = 0, videoHeight = 0, videoFramesPerSecond = 30;
};

/// Figures for the measured window.
struct LoadResults {
    int joined = 0;
    double measuredSeconds = 0;
    std::uint64_t packetsSent = 0;
    std::uint64_t packetsReceived = 0;
    double sendRateMinPercent = 0;   ///< worst participant: packets sent / packets due
    double sendRateMeanPercent = 0;
    LatencyHistogram relayLatency;   ///< send → receive, µs
    std::uint64_t receiveGaps = 0;   ///< gaps over 20 ms between packets of one sender at one receiver
    double longestGapMs = 0;
    int disconnects = 0;
    std::uint64_t errorsFromServer = 0;
    int recordingsStarted = 0;       ///< rooms whose recording_started notice arrived
    LatencyHistogram chatRoundTrip;  ///< µs, the probe client's chat echo
    int onUdp = 0;                   ///< participants whose UDP path was up at the end (with --udp)
    std::uint64_t videoFramesSent = 0;      ///< in the window
    std::uint64_t videoFramesReceived = 0;
    std::uint64_t videoBytesReceived = 0;
    LatencyHistogram videoRelayLatency;     ///< a frame's send → its whole arrival, µs
};

class LoadClients {
public:
    explicit LoadClients(LoadPlan plan);
    ~LoadClients();

    /// Runs the whole load on this thread. atMeasureStart/atMeasureEnd run at the edges of
    /// the measured window (to sample the server's usage).
    [[nodiscard]] Expected<LoadResults, std::string> run(const std::function<void()>& atMeasureStart,
                                                         const std::function<void()>& atMeasureEnd);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace samspil::bench
