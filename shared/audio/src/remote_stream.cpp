#include "samspil/audio/remote_stream.h"

#include <algorithm>
#include <cstring>

namespace samspil {
namespace {

constexpr int kMaxPacketFrames = 5760;  // 120 ms, the longest Opus packet

}  // namespace

Expected<RemoteStream, std::string> RemoteStream::create(const RemoteStreamSettings& settings) {
    if (settings.maxBlockFrames <= 0) return Unexpected{std::string("maxBlockFrames must be positive")};
    auto decoder = OpusStreamDecoder::create(settings.outputChannels);
    if (!decoder) return Unexpected{decoder.error()};
    return RemoteStream(settings, std::move(*decoder));
}

RemoteStream::RemoteStream(const RemoteStreamSettings& settings, OpusStreamDecoder decoder)
    : settings_(settings),
      decoder_(std::move(decoder)),
      jitter_(settings.jitter),
      decoded_(static_cast<std::size_t>(settings.maxBlockFrames + 2 * kMaxPacketFrames) * settings.outputChannels) {}

void RemoteStream::insert(const MediaSlot& packet) {
    jitter_.insert(packet.header, packet.bytes(), packet.arrivalUs);
}

void RemoteStream::clear() {
    jitter_.clear();
    decoder_.reset();
    start_ = end_ = 0;
    segmentHead_ = segmentCount_ = 0;
}

void RemoteStream::pushSegment(int frames, std::uint32_t timestamp, bool fromPacket) {
    if (frames <= 0) return;
    if (segmentCount_ == static_cast<int>(segments_.size())) return;  // cannot happen with sane blocks
    Segment& segment = segments_[static_cast<std::size_t>((segmentHead_ + segmentCount_) % segments_.size())];
    segment = {frames, timestamp, fromPacket};
    ++segmentCount_;
}

void RemoteStream::consume(int frames) {
    start_ += frames;
    while (frames > 0 && segmentCount_ > 0) {
        Segment& head = segments_[static_cast<std::size_t>(segmentHead_)];
        const int used = std::min(frames, head.frames);
        head.frames -= used;
        head.timestamp += static_cast<std::uint32_t>(used);
        frames -= used;
        if (head.frames == 0) {
            segmentHead_ = (segmentHead_ + 1) % static_cast<int>(segments_.size());
            --segmentCount_;
        }
    }
}

void RemoteStream::decodeNext(std::int64_t nowUs) {
    const int channels = settings_.outputChannels;
    // Keep the pending frames at the front so one more packet always fits behind them.
    if (start_ > 0) {
        std::memmove(decoded_.data(), decoded_.data() + static_cast<std::ptrdiff_t>(start_) * channels,
                     static_cast<std::size_t>(end_ - start_) * channels * sizeof(float));
        end_ -= start_;
        start_ = 0;
    }
    float* out = decoded_.data() + static_cast<std::ptrdiff_t>(end_) * channels;
    const int room = static_cast<int>(decoded_.size() / static_cast<std::size_t>(channels)) - end_;

    const PlayoutDecision decision = jitter_.next(nowUs);
    int produced = 0;
    switch (decision.kind) {
        case PlayoutKind::Packet:
            if (decision.restart) decoder_.reset();
            produced = decoder_.decode(decision.payload, out, std::min(room, kMaxPacketFrames));
            if (produced < 0) produced = decoder_.conceal(out, std::min(room, decision.samples));
            break;
        case PlayoutKind::ConcealFromNext:
            produced = decoder_.decodeFromNext(decision.payload, out, std::min(room, decision.samples));
            break;
        case PlayoutKind::Conceal:
            produced = decoder_.conceal(out, std::min(room, decision.samples));
            break;
        case PlayoutKind::Silence:
            break;
    }
    if (decision.kind != PlayoutKind::Silence) audibleDecision_ = true;
    if (produced <= 0) {
        // Silence, or a decoder error: fill the frame with zeros so playout keeps its pace.
        produced = std::clamp(decision.samples, 1, std::max(1, room));
        std::fill(out, out + static_cast<std::ptrdiff_t>(produced) * channels, 0.0f);
    }
    end_ += produced;
    pushSegment(produced, decision.timestamp, decision.kind == PlayoutKind::Packet);
}

RenderInfo RemoteStream::render(float* out, int frames, std::int64_t nowUs) {
    const int channels = settings_.outputChannels;
    frames = std::clamp(frames, 0, settings_.maxBlockFrames);
    audibleDecision_ = false;
    // Every packet this block needs must be here now, when it is decoded, even the ones
    // that play at its end: decisions are made at nowUs, so a larger block asks the jitter
    // buffer for proportionally more delay.
    while (end_ - start_ < frames) decodeNext(nowUs);
    RenderInfo info;
    if (segmentCount_ > 0) {
        const Segment& head = segments_[static_cast<std::size_t>(segmentHead_)];
        info.timestampValid = head.fromPacket;
        info.firstTimestamp = head.timestamp;
    }
    info.audible = audibleDecision_ || info.timestampValid;
    std::memcpy(out, decoded_.data() + static_cast<std::ptrdiff_t>(start_) * channels,
                static_cast<std::size_t>(frames) * channels * sizeof(float));
    consume(frames);
    return info;
}

}  // namespace samspil
