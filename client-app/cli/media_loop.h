// MediaLoop: samspil-cli's stand-in for a sound card. Every frame period, paced by the
// monotonic clock, it captures a frame from the source, encodes and sends it, then
// plays one block of every remote stream. Runs on the thread that calls run().
#pragma once

#include "audio_source.h"
#include "cli_options.h"
#include "peer_recorder.h"
#include "room_view.h"
#include "samspil/core/opus_codec.h"
#include "samspil/net/session_client.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>

namespace samspil::cli {

class MediaLoop {
public:
    MediaLoop(const CliOptions& options, net::SessionClient& session, const RoomView& room,
              std::unique_ptr<AudioSource> source, std::optional<OpusStreamEncoder> encoder);

    /// Runs until stop is set, the deadline (monotonic µs) passes, or the join is refused.
    void run(const std::atomic<bool>& stop, std::optional<std::int64_t> deadlineUs);

    /// Closes the recordings.
    void finish();

    /// frames_sent, the stream epoch, recording start, and one entry per remote stream.
    nlohmann::json report() const;

private:
    void receive(std::int64_t tickIndex);
    void sendFrame(std::int64_t tickIndex);

    const CliOptions& options_;
    net::SessionClient& session_;
    const RoomView& room_;
    std::unique_ptr<AudioSource> source_;
    std::optional<OpusStreamEncoder> encoder_;
    std::map<std::uint16_t, PeerRecorder> recorders_;
    std::vector<std::string> usedFileNames_;
    std::vector<float> capture_;
    std::vector<std::uint8_t> packet_;
    std::uint64_t framesSent_ = 0;
    std::uint64_t framesNotSent_ = 0;
    std::int64_t epochUs_ = 0;
    std::int64_t lateTicks_ = 0;
};

}  // namespace samspil::cli
