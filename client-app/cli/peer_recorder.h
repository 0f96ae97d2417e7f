// PeerRecorder: what samspil-cli keeps of one remote stream as the RoomAudioEngine plays
// it — the WAV of what was heard (the engine's per-participant output) and the figures for
// --stats (the slot's jitter-buffer counters, arrival gaps, mouth-to-ear latency).
// Runs on the cli's audio thread (its media loop).
#pragma once

#include "room_view.h"
#include "samspil/audio/jitter_buffer.h"
#include "samspil/audio/room_audio_engine.h"
#include "samspil/audio/wav_file.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samspil::cli {

/// Gaps between the arrivals of one stream's packets (network-thread timestamps).
struct ArrivalGaps {
    void note(std::int64_t arrivalUs) {
        if (lastUs != 0 && arrivalUs > lastUs) {
            const double gapMs = static_cast<double>(arrivalUs - lastUs) / 1000.0;
            maxGapMs = std::max(maxGapMs, gapMs);
            if (gapMs > 20.0) ++gapsOver20Ms;
        }
        lastUs = arrivalUs;
    }
    std::int64_t lastUs = 0;
    double maxGapMs = 0;
    std::uint64_t gapsOver20Ms = 0;  // nothing arrived for longer than a jitter buffer usually holds
};

/// Per-tick context the media loop hands to every recorder.
struct Tick {
    std::int64_t index = 0;         ///< 0 for the first playout block
    std::int64_t idealUs = 0;       ///< when this block starts playing (local monotonic µs)
    std::int64_t actualUs = 0;      ///< when the loop actually woke (the engine's "now")
    int frames = 0;                 ///< block length
    std::optional<std::int64_t> clockOffsetUs;  ///< server minus local clock
};

/// What the engine played for one participant in this block.
struct PlayedBlock {
    const float* left = nullptr;
    const float* right = nullptr;
    const PeerView& view;
    const JitterBufferStats& stats;
    const ArrivalGaps* arrivals = nullptr;
};

class PeerRecorder {
public:
    PeerRecorder(std::uint16_t streamId, std::int64_t firstTick);

    /// One block this participant played: records it and updates the figures.
    void renderTick(const Tick& tick, const PlayedBlock& block, const std::optional<PeerSnapshot>& peer,
                    const std::optional<std::string>& recordDir, std::vector<std::string>& usedFileNames);
    /// Closes the WAV file.
    void finish();
    /// The figures for --stats.
    nlohmann::json report() const;

private:
    void openWav(const PeerSnapshot& peer, const std::string& dir, std::vector<std::string>& usedFileNames,
                 int frameSamples);
    void writeWav(const float* stereo, int frames);

    std::uint16_t streamId_;
    std::int64_t firstTick_;
    std::optional<PeerSnapshot> lastPeer_;
    JitterBufferStats stats_;     // as of the last block this stream played
    double maxGapMs_ = 0;
    std::uint64_t gapsOver20Ms_ = 0;
    std::vector<double> targetEachSecondMs_;  // the jitter buffer's target, sampled once a second
    std::int64_t nextTargetSampleUs_ = 0;
    std::vector<float> block_;    // interleaved stereo of the current block
    std::vector<float> pending_;  // heard before the peer's name was known (stereo)
    WavWriter wav_;
    std::string wavPath_;
    int wavChannels_ = 1;

    std::uint64_t depthSum_ = 0;
    std::uint64_t depthTicks_ = 0;
    std::vector<double> latenciesMs_;
    std::int64_t firstHeardUs_ = -1;  // tick.idealUs of the first and last block heard
    std::int64_t lastHeardUs_ = -1;
};

}  // namespace samspil::cli
