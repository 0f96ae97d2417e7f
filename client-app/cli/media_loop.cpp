#include "media_loop.h"

#include "samspil/core/clock.h"

#include <iostream>

namespace samspil::cli {

MediaLoop::MediaLoop(const CliOptions& options, net::SessionClient& session, const RoomView& room,
                     std::unique_ptr<AudioSource> source, std::optional<OpusStreamEncoder> encoder)
    : options_(options),
      session_(session),
      room_(room),
      source_(std::move(source)),
      encoder_(std::move(encoder)),
      capture_(static_cast<std::size_t>(options.frameSamples * options.channels)),
      packet_(protocol::kMaxOpusPayloadBytes) {}

void MediaLoop::run(const std::atomic<bool>& stop, std::optional<std::int64_t> deadlineUs) {
    // Frame sizes are whole microseconds: 120 samples = 2500 µs ... 960 = 20000 µs.
    const std::int64_t frameUs = std::int64_t{options_.frameSamples} * 1'000'000 / 48000;
    epochUs_ = monotonicMicros();
    session_.setStreamEpoch(epochUs_);
    for (std::int64_t tick = 0;; ++tick) {
        // Frame `tick` was captured during [epoch + tick·F, epoch + (tick+1)·F) and is
        // complete at the end of that span; the block played from then on is block `tick`.
        const std::int64_t dueUs = epochUs_ + (tick + 1) * frameUs;
        if (stop.load() || (deadlineUs && dueUs > *deadlineUs) || room_.refused()) break;
        sleepUntilMicros(dueUs);
        const std::int64_t nowUs = monotonicMicros();
        if (nowUs - dueUs > frameUs) ++lateTicks_;

        sendFrame(tick);
        receive(tick);
        const Tick context{tick, dueUs, nowUs, options_.frameSamples, session_.serverClockOffsetUs()};
        for (auto& [streamId, recorder] : recorders_)
            recorder.renderTick(context, room_.peer(streamId), options_.recordDir, usedFileNames_);
    }
}

void MediaLoop::sendFrame(std::int64_t tick) {
    if (!source_ || !encoder_) return;
    source_->fill(capture_.data(), options_.frameSamples, options_.channels);
    const int bytes = encoder_->encode(capture_.data(), packet_);
    if (bytes <= 0) return;
    if (session_.state() != net::SessionState::Joined) {
        ++framesNotSent_;  // no room to send to (yet, or while reconnecting)
        return;
    }
    const auto sequence = static_cast<std::uint32_t>(tick);
    const auto timestamp = static_cast<std::uint32_t>(tick * options_.frameSamples);
    if (session_.sendMediaFromAudioThread(sequence, timestamp, options_.channels == 2,
                                          {packet_.data(), static_cast<std::size_t>(bytes)}))
        ++framesSent_;
    else
        ++framesNotSent_;
}

void MediaLoop::receive(std::int64_t tick) {
    MediaSlot slot;
    while (session_.popIncomingOnAudioThread(slot)) {
        auto it = recorders_.find(slot.header.streamId);
        if (it == recorders_.end()) {
            RemoteStreamSettings settings;
            settings.outputChannels = 2;
            settings.maxBlockFrames = options_.frameSamples;
            auto stream = RemoteStream::create(settings);
            if (!stream) {
                std::cerr << "samspil-cli: " << stream.error() << "\n";
                continue;
            }
            it = recorders_.try_emplace(slot.header.streamId, slot.header.streamId, std::move(*stream), tick).first;
        }
        it->second.insert(slot);
    }
}

void MediaLoop::finish() {
    for (auto& [streamId, recorder] : recorders_) recorder.finish();
}

nlohmann::json MediaLoop::report() const {
    nlohmann::json report;
    report["frames_sent"] = framesSent_;
    report["frames_not_sent"] = framesNotSent_;
    report["late_ticks"] = lateTicks_;
    report["stream_epoch_local_us"] = epochUs_;
    report["recording_start_local_us"] = epochUs_ + std::int64_t{options_.frameSamples} * 1'000'000 / 48000;
    if (auto offset = session_.serverClockOffsetUs()) {
        report["stream_epoch_server_us"] = epochUs_ + *offset;
        // The first playout block (and every recording) starts one frame after the epoch.
        report["recording_start_server_us"] = epochUs_ + *offset + std::int64_t{options_.frameSamples} * 1'000'000 / 48000;
    }
    report["peers"] = nlohmann::json::array();
    for (const auto& [streamId, recorder] : recorders_) report["peers"].push_back(recorder.report());
    return report;
}

}  // namespace samspil::cli
