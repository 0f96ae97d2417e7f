// PeerRecorder: everything samspil-cli does with one remote stream — jitter buffer and
// decoding (RemoteStream), the WAV of what was heard, and the figures for --stats.
// Runs on the cli's media thread.
#pragma once

#include "room_view.h"
#include "samspil/core/remote_stream.h"
#include "samspil/core/wav_file.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samspil::cli {

/// Per-tick context the media loop hands to every recorder.
struct Tick {
    std::int64_t index = 0;         ///< 0 for the first playout block
    std::int64_t idealUs = 0;       ///< when this block starts playing (local monotonic µs)
    std::int64_t actualUs = 0;      ///< when the loop actually woke
    int frames = 0;                 ///< block length
    std::optional<std::int64_t> clockOffsetUs;  ///< server minus local clock
};

class PeerRecorder {
public:
    PeerRecorder(std::uint16_t streamId, RemoteStream stream, std::int64_t firstTick);

    /// A packet for this stream arrived (network arrival time inside).
    void insert(const MediaSlot& packet);
    /// Plays one block: decodes, measures mouth-to-ear latency, records.
    void renderTick(const Tick& tick, const std::optional<PeerSnapshot>& peer,
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
    RemoteStream stream_;
    std::int64_t firstTick_;
    std::optional<PeerSnapshot> lastPeer_;
    std::vector<float> block_;
    std::vector<float> pending_;  // heard before the peer's name was known (stereo)
    WavWriter wav_;
    std::string wavPath_;
    int wavChannels_ = 1;

    std::int64_t lastArrivalUs_ = 0;
    double maxGapMs_ = 0;
    std::uint64_t depthSum_ = 0;
    std::uint64_t depthTicks_ = 0;
    std::vector<double> latenciesMs_;
};

}  // namespace samspil::cli
