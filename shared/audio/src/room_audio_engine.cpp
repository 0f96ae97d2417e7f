#include "samspil/audio/room_audio_engine.h"

#include "samspil/audio/stereo_mix.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

namespace samspil {
namespace {

constexpr std::int64_t kSlotIdleUs = 10'000'000;  // a silent stream gives up its slot after this
constexpr std::int64_t kEpochWindowUs = 500'000;  // how often the stream epoch is re-estimated
constexpr std::int64_t kNoEpoch = INT64_MIN;       // a stream whose epoch was not announced (yet)
constexpr int kOpusLookahead = 120;                // samples between capture and media timestamp

}  // namespace

Expected<std::unique_ptr<RoomAudioEngine>, std::string> RoomAudioEngine::create(const EngineSettings& settings,
                                                                                MediaTransport& transport) {
    auto mono = OpusStreamEncoder::create({1, 240, settings.bitrate, 5, 8});
    auto stereo = OpusStreamEncoder::create({2, 240, settings.bitrate * 2, 5, 8});
    if (!mono) return Unexpected{mono.error()};
    if (!stereo) return Unexpected{stereo.error()};
    std::vector<RemoteStream> streams;
    RemoteStreamSettings streamSettings;
    streamSettings.outputChannels = 2;
    streamSettings.maxBlockFrames = settings.maxBlockFrames;
    for (int i = 0; i < settings.maxPeers; ++i) {
        auto stream = RemoteStream::create(streamSettings);
        if (!stream) return Unexpected{stream.error()};
        streams.push_back(std::move(*stream));
    }
    return std::unique_ptr<RoomAudioEngine>(
        new RoomAudioEngine(settings, transport, std::move(*mono), std::move(*stereo), std::move(streams)));
}

RoomAudioEngine::RoomAudioEngine(const EngineSettings& settings, MediaTransport& transport, OpusStreamEncoder mono,
                                 OpusStreamEncoder stereo, std::vector<RemoteStream> streams)
    : settings_(settings),
      transport_(transport),
      monoEncoder_(std::move(mono)),
      stereoEncoder_(std::move(stereo)),
      streams_(std::move(streams)),
      lastPacketUs_(static_cast<std::size_t>(settings.maxPeers), 0),
      slotOfStream_(new std::int8_t[65536]),
      assignments_(256),
      intervalChanges_(16),
      epochUpdates_(256),
      frame_(960 * 2),
      packet_(protocol::kMaxOpusPayloadBytes),
      peerBlock_(static_cast<std::size_t>(settings.maxBlockFrames) * 2),
      epochOfStream_(new std::int64_t[65536]),
      partInputs_(8, nullptr),
      partBuses_(static_cast<std::size_t>(settings.maxPeers) * 2, nullptr) {
    for (int i = 0; i < settings.maxPeers; ++i) views_.push_back(std::make_unique<PeerView>());
    std::fill_n(slotOfStream_.get(), 65536, std::int8_t{-1});
    std::fill_n(epochOfStream_.get(), 65536, kNoEpoch);
}

void RoomAudioEngine::prepareIntervalMode() {
    if (!intervalLinesOwner_.empty()) return;
    intervalLinesOwner_.resize(static_cast<std::size_t>(settings_.maxPeers));
    intervalLines_.store(intervalLinesOwner_.data(), std::memory_order_release);
}

bool RoomAudioEngine::setIntervalMode(std::int64_t delayUs, std::int64_t fromServerUs) {
    if (delayUs > 0) prepareIntervalMode();
    const std::int64_t longest = std::int64_t{IntervalDelayLine::kCapacityFrames} * 1'000'000 / 48000 - 1'000'000;
    return intervalChanges_.tryPush({std::clamp<std::int64_t>(delayUs, 0, longest), fromServerUs});
}

bool RoomAudioEngine::setStreamEpoch(std::uint16_t streamId, std::int64_t epochServerUs) {
    return epochUpdates_.tryPush({streamId, epochServerUs});
}

bool RoomAudioEngine::assignStreamToSlot(std::uint16_t streamId, int slot) {
    if (slot < 0 || slot >= settings_.maxPeers || streamId == 0) return true;
    return assignments_.tryPush({streamId, slot});
}

// Audio thread: what the message thread decided, before this block's packets are sorted.
void RoomAudioEngine::applyAssignments(std::int64_t nowUs) {
    SlotAssignment assignment;
    while (assignments_.tryPop(assignment)) moveStreamToSlot(assignment.streamId, assignment.slot, nowUs);
}

// Audio thread: afterwards the stream is in `slot` and in no other; whoever was in `slot`
// before is in none (they get a free slot if their packets still come).
void RoomAudioEngine::moveStreamToSlot(std::uint16_t streamId, int slot, std::int64_t nowUs) {
    const int current = slotOfStream_[streamId];
    if (current == slot) return;
    if (current >= 0) {
        PeerView& old = *views_[static_cast<std::size_t>(current)];
        streams_[static_cast<std::size_t>(current)].clear();
        old.streamId.store(0);
    }
    PeerView& view = *views_[static_cast<std::size_t>(slot)];
    if (const std::uint16_t previous = view.streamId.load(); previous != 0 && previous != streamId)
        slotOfStream_[previous] = -1;
    streams_[static_cast<std::size_t>(slot)].clear();
    if (IntervalDelayLine* lines = intervalLines_.load(std::memory_order_acquire)) lines[slot].clear();
    view.streamId.store(streamId);
    lastPacketUs_[static_cast<std::size_t>(slot)] = nowUs;  // not "silent for long" before it even started
    slotOfStream_[streamId] = static_cast<std::int8_t>(slot);
}

// Audio thread. Callbacks can only be late, never early, so the lowest (callback time −
// stream position) over a window is the best estimate of when position 0 was captured.
void RoomAudioEngine::trackEpoch(std::int64_t nowUs) {
    const std::int64_t anchor = nowUs - static_cast<std::int64_t>(samplesCaptured_ * 1'000'000 / 48000);
    if (epochUs_.load(std::memory_order_relaxed) == 0) {
        epochUs_.store(anchor);
        epochWindowMin_ = anchor;
        epochWindowStartUs_ = nowUs;
        return;
    }
    epochWindowMin_ = std::min(epochWindowMin_, anchor);
    if (nowUs - epochWindowStartUs_ < kEpochWindowUs) return;
    epochUs_.store(epochWindowMin_);
    epochWindowMin_ = anchor;
    epochWindowStartUs_ = nowUs;
}

void RoomAudioEngine::capture(const float* const* inputs, int inputChannels, int frames, std::int64_t nowUs) {
    trackEpoch(nowUs);
    samplesCaptured_ += static_cast<std::uint64_t>(frames);
    const float gain = selfMuted_.load() ? 0.0f : inputGain_.load();
    for (int i = 0; i < frames; ++i) {
        if (frameFill_ == 0) {  // frame size and channels change only between frames
            frameSamplesNow_ = frameSamples_.load();
            channelsNow_ = sendChannels_.load();
        }
        for (int c = 0; c < channelsNow_; ++c) {
            // A mono input feeds both sides of a stereo stream; a stereo input is mixed for mono.
            float value = 0.0f;
            if (inputChannels > 0) {
                if (channelsNow_ == 1 && inputChannels > 1)
                    value = 0.5f * (inputs[0][i] + inputs[1][i]);
                else
                    value = inputs[std::min(c, inputChannels - 1)][i];
            }
            frame_[static_cast<std::size_t>(frameFill_ * channelsNow_ + c)] = value * gain;
        }
        if (++frameFill_ < frameSamplesNow_) continue;
        frameFill_ = 0;
        const std::uint32_t timestamp = timestamp_;
        timestamp_ += static_cast<std::uint32_t>(frameSamplesNow_);  // media time runs on while not sending
        if (!sending_.load(std::memory_order_relaxed)) continue;     // listen only: nothing is sent
        OpusStreamEncoder& encoder = channelsNow_ == 2 ? stereoEncoder_ : monoEncoder_;
        const int bytes = encoder.encodeFrame(frame_.data(), frameSamplesNow_, packet_);
        if (bytes <= 0) continue;
        if (transport_.readyToSend() &&
            transport_.sendMediaFromAudioThread(sequence_, timestamp, channelsNow_ == 2,
                                                {packet_.data(), static_cast<std::size_t>(bytes)}))
            framesSent_.fetch_add(1, std::memory_order_relaxed);
        else
            framesNotSent_.fetch_add(1, std::memory_order_relaxed);
        ++sequence_;
    }
    // The meter shows what is sent.
    if (inputChannels > 0) inputMeter_.feed(inputs[0], frames, 1, frames / 48000.0);
}

// Audio thread.
int RoomAudioEngine::slotFor(std::uint16_t streamId, std::int64_t nowUs) {
    if (const int assigned = slotOfStream_[streamId]; assigned >= 0) return assigned;
    // Unknown stream: take a free slot, or one whose stream has been silent a long time.
    for (int slot = 0; slot < settings_.maxPeers; ++slot) {
        PeerView& view = *views_[static_cast<std::size_t>(slot)];
        const bool free = view.streamId.load() == 0 || nowUs - lastPacketUs_[static_cast<std::size_t>(slot)] > kSlotIdleUs;
        if (!free) continue;
        moveStreamToSlot(streamId, slot, nowUs);
        return slot;
    }
    return -1;  // more streams than slots: this one is not heard
}

void RoomAudioEngine::receive(std::int64_t nowUs) {
    applyAssignments(nowUs);
    StreamEpoch epoch;
    while (epochUpdates_.tryPop(epoch)) epochOfStream_[epoch.streamId] = epoch.epochServerUs;
    MediaSlot packet;
    while (transport_.popIncomingOnAudioThread(packet)) {
        const int slot = slotFor(packet.header.streamId, nowUs);
        if (slot < 0) continue;
        lastPacketUs_[static_cast<std::size_t>(slot)] = nowUs;
        streams_[static_cast<std::size_t>(slot)].insert(packet);
    }
}

void RoomAudioEngine::process(const float* const* inputs, int inputChannels, float* mixLeft, float* mixRight,
                              float* const* peerBuses, int frames, std::int64_t nowUs) {
    inputChannels = std::clamp(inputChannels, 0, static_cast<int>(partInputs_.size()));
    for (int done = 0; done < frames;) {
        const int part = std::min(settings_.maxBlockFrames, frames - done);
        for (int c = 0; c < inputChannels; ++c) partInputs_[static_cast<std::size_t>(c)] = inputs[c] + done;
        if (peerBuses)
            for (std::size_t i = 0; i < partBuses_.size(); ++i) partBuses_[i] = peerBuses[i] ? peerBuses[i] + done : nullptr;
        processPart(partInputs_.data(), inputChannels, mixLeft + done, mixRight + done,
                    peerBuses ? partBuses_.data() : nullptr, part, nowUs + static_cast<std::int64_t>(done) * 1'000'000 / 48000);
        if (done == 0) lastBlockOutLocalUs_ = partOutLocalUs_;
        done += part;
    }
}

void RoomAudioEngine::processPart(const float* const* inputs, int inputChannels, float* mixLeft, float* mixRight,
                                  float* const* peerBuses, int frames, std::int64_t nowUs) {
    capture(inputs, inputChannels, frames, nowUs);
    receive(nowUs);
    std::fill(mixLeft, mixLeft + frames, 0.0f);
    std::fill(mixRight, mixRight + frames, 0.0f);
    const double blockSeconds = frames / 48000.0;
    // The block's first sample is the stream's sample (samplesCaptured_ − frames): it was
    // computed at epoch + that position and leaves the card one output latency later.
    const auto blockStart = static_cast<std::int64_t>((samplesCaptured_ - static_cast<std::uint64_t>(frames)) * 1'000'000 / 48000);
    const std::int64_t blockOutLocalUs =
        epochUs_.load(std::memory_order_relaxed) + blockStart + outputLatencyUs_.load(std::memory_order_relaxed);
    partOutLocalUs_ = blockOutLocalUs;
    const std::int64_t blockOutServerUs = blockOutLocalUs + metronome_.serverOffsetUs();
    applyIntervalChanges(blockOutServerUs);
    IntervalDelayLine* lines = intervalLines_.load(std::memory_order_acquire);
    for (int slot = 0; slot < settings_.maxPeers; ++slot) {
        PeerView& view = *views_[static_cast<std::size_t>(slot)];
        float* busLeft = peerBuses ? peerBuses[2 * slot] : nullptr;
        float* busRight = peerBuses ? peerBuses[2 * slot + 1] : nullptr;
        if (view.streamId.load() == 0) {
            if (busLeft) std::fill(busLeft, busLeft + frames, 0.0f);
            if (busRight) std::fill(busRight, busRight + frames, 0.0f);
            view.meter.feedSilence(blockSeconds);
            continue;
        }
        RemoteStream& stream = streams_[static_cast<std::size_t>(slot)];
        const RenderInfo info = stream.render(peerBlock_.data(), frames, nowUs);
        if (lines) {  // every participant's recent audio, by when they played it
            if (info.timestampValid)
                lines[slot].write(peerBlock_.data(), frames, info.firstTimestamp);
            else
                lines[slot].writeContinuing(peerBlock_.data(), frames);
        }
        if (intervalDelayUs_ > 0) playOneIntervalLate(slot, frames, blockOutServerUs);
        if (busLeft)
            for (int i = 0; i < frames; ++i) busLeft[i] = peerBlock_[static_cast<std::size_t>(2 * i)];
        if (busRight)
            for (int i = 0; i < frames; ++i) busRight[i] = peerBlock_[static_cast<std::size_t>(2 * i + 1)];
        view.meter.feed(peerBlock_.data(), frames, 2, blockSeconds);
        if (!view.muted.load()) mixStereoInto(peerBlock_.data(), frames, view.gain.load(), view.pan.load(), mixLeft, mixRight);
        const JitterBufferStats& stats = stream.stats();
        view.received.store(stats.received, std::memory_order_relaxed);
        view.lost.store(stats.lost, std::memory_order_relaxed);
        view.concealed.store(stats.concealed(), std::memory_order_relaxed);
        view.depthPackets.store(stats.depthPackets, std::memory_order_relaxed);
        view.bufferDelayMs.store(static_cast<float>(stats.bufferDelayMs), std::memory_order_relaxed);
        view.jitterMs.store(static_cast<float>(stats.jitterMs), std::memory_order_relaxed);
        if (info.timestampValid) {
            view.lastTimestamp.store(info.firstTimestamp, std::memory_order_relaxed);
            view.lastPlayedUs.store(nowUs, std::memory_order_relaxed);
        }
    }
    metronome_.render(mixLeft, mixRight, frames, 48000.0, blockOutLocalUs);
}

// Audio thread: a change of mode takes effect with the block that leaves the card at its instant.
void RoomAudioEngine::applyIntervalChanges(std::int64_t blockOutServerUs) {
    IntervalChange change;
    while (intervalChanges_.tryPop(change)) {
        pendingInterval_ = change;
        intervalPending_ = true;
    }
    if (!intervalPending_ || blockOutServerUs < pendingInterval_.fromServerUs) return;
    intervalPending_ = false;
    intervalDelayUs_ = pendingInterval_.delayUs;
    intervalDelayNow_.store(intervalDelayUs_, std::memory_order_relaxed);
}

// Audio thread: in place of the slot's live block, what the participant played one interval
// before this block leaves the card: media timestamp t was captured at epoch + (t − 120)/48 kHz
// on the server's clock. Silence while their epoch is not known.
void RoomAudioEngine::playOneIntervalLate(int slot, int frames, std::int64_t blockOutServerUs) {
    IntervalDelayLine* lines = intervalLines_.load(std::memory_order_acquire);
    const std::int64_t epoch = epochOfStream_[views_[static_cast<std::size_t>(slot)]->streamId.load()];
    if (!lines || epoch == kNoEpoch) {
        std::fill(peerBlock_.begin(), peerBlock_.begin() + 2 * frames, 0.0f);
        return;
    }
    const std::int64_t capturedServerUs = blockOutServerUs - intervalDelayUs_;
    const std::int64_t timestamp = kOpusLookahead + std::llround(static_cast<double>(capturedServerUs - epoch) * 0.048);
    lines[slot].read(peerBlock_.data(), frames, static_cast<std::uint32_t>(timestamp));
}

}  // namespace samspil
