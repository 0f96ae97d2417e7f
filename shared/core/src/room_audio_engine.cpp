#include "samspil/core/room_audio_engine.h"

#include "samspil/core/stereo_mix.h"

#include <algorithm>
#include <cstring>

namespace samspil {
namespace {

constexpr std::int64_t kSlotIdleUs = 10'000'000;  // a silent stream gives up its slot after this
constexpr std::int64_t kEpochWindowUs = 500'000;  // how often the stream epoch is re-estimated

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
      slotOfStream_(new std::atomic<std::int8_t>[65536]),
      frame_(960 * 2),
      packet_(protocol::kMaxOpusPayloadBytes),
      peerBlock_(static_cast<std::size_t>(settings.maxBlockFrames) * 2) {
    for (int i = 0; i < settings.maxPeers; ++i) views_.push_back(std::make_unique<PeerView>());
    for (int i = 0; i < 65536; ++i) slotOfStream_[i].store(-1, std::memory_order_relaxed);
}

void RoomAudioEngine::assignStreamToSlot(std::uint16_t streamId, int slot) {
    if (slot < 0 || slot >= settings_.maxPeers || streamId == 0) return;
    slotOfStream_[streamId].store(static_cast<std::int8_t>(slot));
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
        OpusStreamEncoder& encoder = channelsNow_ == 2 ? stereoEncoder_ : monoEncoder_;
        const int bytes = encoder.encodeFrame(frame_.data(), frameSamplesNow_, packet_);
        const std::uint32_t timestamp = timestamp_;
        timestamp_ += static_cast<std::uint32_t>(frameSamplesNow_);
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

int RoomAudioEngine::slotFor(std::uint16_t streamId, std::int64_t nowUs) {
    const int assigned = slotOfStream_[streamId].load(std::memory_order_relaxed);
    if (assigned >= 0) {
        if (views_[static_cast<std::size_t>(assigned)]->streamId.load() != streamId) {
            streams_[static_cast<std::size_t>(assigned)].clear();  // the slot changes hands
            views_[static_cast<std::size_t>(assigned)]->streamId.store(streamId);
        }
        return assigned;
    }
    // Unknown stream: take a free slot, or one whose stream has been silent a long time.
    for (int slot = 0; slot < settings_.maxPeers; ++slot) {
        PeerView& view = *views_[static_cast<std::size_t>(slot)];
        const bool free = view.streamId.load() == 0 || nowUs - lastPacketUs_[static_cast<std::size_t>(slot)] > kSlotIdleUs;
        if (!free) continue;
        if (const std::uint16_t old = view.streamId.load(); old != 0) slotOfStream_[old].store(-1);
        streams_[static_cast<std::size_t>(slot)].clear();
        view.streamId.store(streamId);
        slotOfStream_[streamId].store(static_cast<std::int8_t>(slot));
        return slot;
    }
    return -1;  // more streams than slots: this one is not heard
}

void RoomAudioEngine::receive(std::int64_t nowUs) {
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
    frames = std::clamp(frames, 0, settings_.maxBlockFrames);
    capture(inputs, inputChannels, frames, nowUs);
    receive(nowUs);
    std::fill(mixLeft, mixLeft + frames, 0.0f);
    std::fill(mixRight, mixRight + frames, 0.0f);
    const double blockSeconds = frames / 48000.0;
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
    metronome_.render(mixLeft, mixRight, frames, 48000.0);
}

}  // namespace samspil
