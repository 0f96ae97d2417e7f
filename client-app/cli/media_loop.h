// MediaLoop: samspil-cli's stand-in for a sound card. Every frame period, paced by the
// monotonic clock, it hands one block (one frame) of the source to the RoomAudioEngine —
// the same engine the desktop app and the plugin run in their audio callbacks — which
// encodes and sends it, and plays every remote participant's stream; the recorders take
// each participant's output from the engine's per-slot buses. Runs on the thread that
// calls run() (the cli's audio thread).
#pragma once

#include "audio_source.h"
#include "cli_options.h"
#include "peer_recorder.h"
#include "room_view.h"
#include "samspil/audio/metronome.h"
#include "samspil/audio/room_audio_engine.h"
#include "samspil/net/session_client.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>

namespace samspil::cli {

class MediaLoop {
public:
    /// Throws std::runtime_error when the engine cannot be made (out of memory).
    MediaLoop(const CliOptions& options, net::SessionClient& session, const RoomView& room,
              std::unique_ptr<AudioSource> source);
    ~MediaLoop();

    /// Runs until stop is set, the deadline (monotonic µs) passes, or the join is refused.
    void run(const std::atomic<bool>& stop, std::optional<std::int64_t> deadlineUs);

    /// Closes the recordings.
    void finish();

    /// frames_sent, the stream epoch, recording start, and one entry per remote stream.
    nlohmann::json report() const;

private:
    class Transport;
    void playTick(std::int64_t tick, std::int64_t dueUs, std::int64_t nowUs);
    void followRoomMetronome();
    void handStreamEpochs();

    const CliOptions& options_;
    net::SessionClient& session_;
    const RoomView& room_;
    std::unique_ptr<AudioSource> source_;
    std::unique_ptr<Transport> transport_;
    std::unique_ptr<RoomAudioEngine> engine_;
    std::map<std::uint16_t, PeerRecorder> recorders_;  // by stream id, for the whole run
    std::vector<std::string> usedFileNames_;
    std::vector<float> capture_;                 // interleaved frame from the source
    std::vector<std::vector<float>> channels_;   // the same, one buffer per channel
    std::vector<float> mixLeft_, mixRight_;
    std::vector<std::vector<float>> buses_;      // 2 per slot: what each participant plays
    std::vector<float*> busPointers_;
    std::int64_t epochUs_ = 0;
    std::int64_t lateTicks_ = 0;
    std::uint32_t metronomeSeen_ = 0;  // RoomView's metronome version applied to the engine
    std::map<std::uint16_t, std::int64_t> epochsHanded_;  // stream epochs the engine has
    bool wentLive_ = false;            // --live-after done
    nlohmann::json gridsSeen_ = nlohmann::json::array();  // every grid the room had, in order
    // --play-on-click: a musician's own click, on the capture timeline.
    Metronome player_;
    std::vector<float> playerLeft_, playerRight_;
    std::vector<float> output_;        // --record-output: what was played, interleaved stereo
    std::vector<std::int64_t> offsetEachSecond_;  // the clock offset estimate, sampled once a second
};

}  // namespace samspil::cli
