#include "media_loop.h"

#include "samspil/time/clock.h"
#include "samspil/audio/wav_file.h"

#include <climits>
#include <cmath>
#include <iostream>

#include <stdexcept>

namespace samspil::cli {
namespace {

constexpr int kSlots = 32;  // participants heard (and recorded) at once

}  // namespace

// The engine's transport: the session's queues, noting each packet's arrival per stream
// for the recorders' gap figures. Audio thread (the loop's).
class MediaLoop::Transport : public MediaTransport {
public:
    explicit Transport(net::SessionClient& session) : session_(session) {}
    bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                  std::span<const std::uint8_t> opusPacket) override {
        return session_.sendMediaFromAudioThread(sequence, timestamp, stereo, opusPacket);
    }
    bool popIncomingOnAudioThread(MediaSlot& packet) override {
        if (!session_.popIncomingOnAudioThread(packet)) return false;
        arrivals_[packet.header.streamId].note(packet.arrivalUs);
        return true;
    }
    bool readyToSend() const override { return session_.state() == net::SessionState::Joined; }
    const ArrivalGaps* arrivals(std::uint16_t streamId) const {
        auto it = arrivals_.find(streamId);
        return it == arrivals_.end() ? nullptr : &it->second;
    }

private:
    net::SessionClient& session_;
    std::map<std::uint16_t, ArrivalGaps> arrivals_;
};

MediaLoop::MediaLoop(const CliOptions& options, net::SessionClient& session, const RoomView& room,
                     std::unique_ptr<AudioSource> source)
    : options_(options),
      session_(session),
      room_(room),
      source_(std::move(source)),
      transport_(std::make_unique<Transport>(session)),
      capture_(static_cast<std::size_t>(options.frameSamples * options.channels)),
      channels_(static_cast<std::size_t>(options.channels), std::vector<float>(static_cast<std::size_t>(options.frameSamples))),
      mixLeft_(static_cast<std::size_t>(options.frameSamples)),
      mixRight_(static_cast<std::size_t>(options.frameSamples)),
      buses_(2 * kSlots, std::vector<float>(static_cast<std::size_t>(options.frameSamples))),
      playerLeft_(static_cast<std::size_t>(options.frameSamples)),
      playerRight_(static_cast<std::size_t>(options.frameSamples)) {
    player_.setLevel(0.8f);
    EngineSettings settings;
    settings.maxPeers = kSlots;
    settings.maxBlockFrames = options.frameSamples;
    settings.bitrate = options.bitrate / options.channels;  // the engine's is per channel
    auto engine = RoomAudioEngine::create(settings, *transport_);
    if (!engine) throw std::runtime_error(engine.error());
    engine_ = std::move(*engine);
    engine_->setFrameSamples(options.frameSamples);
    engine_->setSendChannels(options.channels);
    engine_->setSending(source_ != nullptr);  // a listener sends nothing
    for (auto& bus : buses_) busPointers_.push_back(bus.data());
}

MediaLoop::~MediaLoop() = default;

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
        playTick(tick, dueUs, nowUs);
    }
}

// The loop's audio callback: one frame in, one block of every participant out.
void MediaLoop::playTick(std::int64_t tick, std::int64_t dueUs, std::int64_t nowUs) {
    const int frames = options_.frameSamples;
    const float* inputs[2] = {nullptr, nullptr};
    int inputChannels = 0;
    if (source_) {
        source_->fill(capture_.data(), frames, options_.channels);
        for (int c = 0; c < options_.channels; ++c) {
            for (int i = 0; i < frames; ++i)
                channels_[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)] =
                    capture_[static_cast<std::size_t>(i * options_.channels + c)];
            inputs[c] = channels_[static_cast<std::size_t>(c)].data();
        }
        inputChannels = options_.channels;
    }
    followRoomMetronome();
    handStreamEpochs();
    if (options_.liveAfterSeconds && !wentLive_ && nowUs - epochUs_ >= std::llround(*options_.liveAfterSeconds * 1e6)) {
        wentLive_ = true;  // the teacher switches the room back to live, same tempo
        session_.sendControl(protocol::MetronomeSet{true, *options_.metronomeBpm, options_.metronomeBeats, true, 0});
    }
    if (source_ && options_.playOnClick) {
        // This frame was captured from epoch + tick·F on: a musician playing on the click
        // they hear puts each beat at the grid's instant on the capture timeline.
        const std::int64_t capturedLocalUs = epochUs_ + tick * std::int64_t{frames} * 1'000'000 / 48000;
        std::fill(playerLeft_.begin(), playerLeft_.end(), 0.0f);
        std::fill(playerRight_.begin(), playerRight_.end(), 0.0f);
        player_.render(playerLeft_.data(), playerRight_.data(), frames, 48000.0, capturedLocalUs);
        for (int c = 0; c < options_.channels; ++c)
            for (int i = 0; i < frames; ++i)
                channels_[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)] += playerLeft_[static_cast<std::size_t>(i)];
    }
    if (tick % (48000 / frames) == 48000 / frames - 1)  // the clock offset estimate at the end of each second
        if (const auto offset = session_.serverClockOffsetUs()) offsetEachSecond_.push_back(*offset);
    engine_->process(inputs, inputChannels, mixLeft_.data(), mixRight_.data(), busPointers_.data(), frames, nowUs);
    if (options_.recordOutput)
        for (int i = 0; i < frames; ++i) {
            output_.push_back(mixLeft_[static_cast<std::size_t>(i)]);
            output_.push_back(mixRight_[static_cast<std::size_t>(i)]);
        }

    const Tick context{tick, dueUs, nowUs, frames, session_.serverClockOffsetUs()};
    for (int slot = 0; slot < engine_->maxPeers(); ++slot) {
        PeerView& view = engine_->peer(slot);
        const std::uint16_t streamId = view.streamId.load();
        if (streamId == 0) continue;
        auto recorder = recorders_.find(streamId);
        if (recorder == recorders_.end()) recorder = recorders_.try_emplace(streamId, streamId, tick).first;
        const PlayedBlock block{busPointers_[static_cast<std::size_t>(2 * slot)],
                                busPointers_[static_cast<std::size_t>(2 * slot + 1)], view,
                                engine_->slotStatsOnAudioThread(slot), transport_->arrivals(streamId)};
        recorder->second.renderTick(context, block, room_.peer(streamId), options_.recordDir, usedFileNames_);
    }
}

// The room's click grid and the clock offset it is placed by, handed to the engine's
// metronome (this thread is its only writer).
void MediaLoop::followRoomMetronome() {
    const auto offset = session_.serverClockOffsetUs();
    if (offset) engine_->metronome().setServerOffsetUs(*offset);
    if (offset) player_.setServerOffsetUs(*offset);
    const std::uint32_t version = room_.metronomeVersion();
    if (version == metronomeSeen_) return;
    metronomeSeen_ = version;
    const auto grid = room_.metronome();
    for (Metronome* metronome : {&engine_->metronome(), &player_}) {
        if (grid && grid->running) metronome->followRoomGrid(grid->startServerUs, grid->bpm, grid->beatsPerBar, grid->accent);
        else metronome->stopRoomGrid();
    }
    // Live or interval mode, from the grid's start on (its next bar line for a change).
    const bool running = grid && grid->running;
    if (grid)
        gridsSeen_.push_back({{"running", grid->running}, {"bpm", grid->bpm}, {"beats_per_bar", grid->beatsPerBar},
                              {"start_server_us", grid->startServerUs}, {"interval_bars", grid->intervalBars},
                              {"set_by", grid->name}});
    if (running) engine_->prepareIntervalMode();
    engine_->setIntervalMode(running ? grid->intervalUs() : 0, running ? grid->startServerUs.us() : INT64_MIN);
}

// Where each remote stream's timestamp 0 lies on the server's clock, as announced: the
// engine places interval mode's audio by it.
void MediaLoop::handStreamEpochs() {
    for (int slot = 0; slot < engine_->maxPeers(); ++slot) {
        const std::uint16_t streamId = engine_->peer(slot).streamId.load();
        if (streamId == 0) continue;
        const auto peer = room_.peer(streamId);
        if (!peer || !peer->stream || !peer->stream->epochServerUs) continue;
        auto handed = epochsHanded_.find(streamId);
        if (handed != epochsHanded_.end() && handed->second == *peer->stream->epochServerUs) continue;
        if (engine_->setStreamEpoch(streamId, *peer->stream->epochServerUs)) epochsHanded_[streamId] = *peer->stream->epochServerUs;
    }
}

void MediaLoop::finish() {
    for (auto& [streamId, recorder] : recorders_) recorder.finish();
    if (options_.recordOutput) {
        const auto written = writeWavFile(*options_.recordOutput, AudioBuffer{2, 48000, output_});
        if (!written) std::cerr << "samspil-cli: " << written.error() << "\n";
    }
}

nlohmann::json MediaLoop::report() const {
    nlohmann::json report;
    report["frames_sent"] = engine_->framesSent();
    report["frames_not_sent"] = engine_->framesNotSent();
    report["late_ticks"] = lateTicks_;
    report["stream_epoch_local_us"] = epochUs_;
    report["recording_start_local_us"] = epochUs_ + std::int64_t{options_.frameSamples} * 1'000'000 / 48000;
    if (auto offset = session_.serverClockOffsetUs()) {
        report["stream_epoch_server_us"] = epochUs_ + *offset;
        // The first playout block (and every recording) starts one frame after the epoch.
        report["recording_start_server_us"] = epochUs_ + *offset + std::int64_t{options_.frameSamples} * 1'000'000 / 48000;
    }
    if (const auto grid = room_.metronome())
        report["metronome"] = {{"running", grid->running}, {"bpm", grid->bpm}, {"beats_per_bar", grid->beatsPerBar},
                               {"start_server_us", grid->startServerUs}, {"set_by", grid->name},
                               {"interval_bars", grid->intervalBars}};
    report["metronome_grids"] = gridsSeen_;
    report["clock_offset_us_each_second"] = offsetEachSecond_;
    if (const auto take = room_.take())
        report["take"] = {{"count_in_server_us", take->countInServerUs}, {"start_server_us", take->startServerUs},
                          {"bpm", take->bpm}, {"beats_per_bar", take->beatsPerBar}};
    report["peers"] = nlohmann::json::array();
    for (const auto& [streamId, recorder] : recorders_) report["peers"].push_back(recorder.report());
    return report;
}

}  // namespace samspil::cli
