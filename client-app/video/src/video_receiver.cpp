#include "samspil/client_video/video_receiver.h"

#include "samspil/base/percentile.h"
#include "samspil/protocol/video_frame.h"
#include "samspil/time/clock.h"
#include "samspil/video/test_pattern.h"
#include "samspil/video/vp8_codec.h"

namespace samspil::client_video {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kReportEveryUs = 1'000'000;
constexpr std::int64_t kAskAgainAfterUs = 300'000;  // a lost keyframe request is asked again
// A time code further off than this is not a reading (the sender's clock was not synced yet).
constexpr double kSaneDelayMs = 10'000;
}  // namespace

// One sender's layer: its decoder, where its sequence stands, and the second's figures for
// the report.
struct VideoReceiver::Decoding {
    std::unique_ptr<video::Vp8Decoder> decoder;
    std::optional<std::uint32_t> lastFrame;
    bool awaitingKeyframe = true;
    std::int64_t askedUs = 0;
    std::uint32_t received = 0;  // this report period
    std::uint32_t lost = 0;
    std::vector<double> delaysMs;
};

VideoReceiver::VideoReceiver(net::SessionClient& session) : session_(session) {
    thread_ = std::thread([this] { run(); });
}

VideoReceiver::~VideoReceiver() {
    stop_.store(true);
    arrived_.notify_all();
    thread_.join();
}

void VideoReceiver::onFrame(std::span<const std::uint8_t> frame) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= kMaxQueuedFrames) {
            queue_.pop_front();  // the decoder fell behind: the next frame will show the gap
            queueDropped_.fetch_add(1);
        }
        queue_.emplace_back(frame.begin(), frame.end());
    }
    arrived_.notify_one();
}

void VideoReceiver::onWelcome() {
    std::map<std::uint16_t, std::optional<VideoLayer>> wanted;
    {
        std::lock_guard lock(mutex_);
        wanted = wants_;
    }
    for (const auto& [stream, layer] : wanted)
        if (layer) session_.sendControl(VideoSubscribe{stream, layer});
}

void VideoReceiver::want(std::uint16_t streamId, std::optional<VideoLayer> layer) {
    {
        std::lock_guard lock(mutex_);
        const auto it = wants_.find(streamId);
        const std::optional<VideoLayer> before = it == wants_.end() ? std::nullopt : it->second;
        if (before == layer && it != wants_.end()) return;
        wants_[streamId] = layer;
        if (!layer) pictures_.erase(streamId);
    }
    session_.sendControl(VideoSubscribe{streamId, layer});
}

bool VideoReceiver::latest(std::uint16_t streamId, video::I420Image& out, std::uint64_t& version) const {
    std::lock_guard lock(mutex_);
    const auto it = pictures_.find(streamId);
    if (it == pictures_.end() || it->second.version == version) return false;
    out = it->second.image;
    version = it->second.version;
    return true;
}

std::int64_t VideoReceiver::lastPictureUs(std::uint16_t streamId) const {
    std::lock_guard lock(mutex_);
    const auto it = pictures_.find(streamId);
    return it == pictures_.end() ? 0 : it->second.decodedLocalUs;
}

std::map<std::uint16_t, ReceivedVideoStats> VideoReceiver::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

// Receiver's thread.
void VideoReceiver::decode(const std::vector<std::uint8_t>& bytes) {
    const auto frame = parseVideoFrame(bytes);
    if (!frame) return;
    const VideoHeader& header = frame->header;
    auto& slot = decoders_[{header.streamId, header.layer}];
    if (!slot) {
        slot = std::make_unique<Decoding>();
        auto decoder = video::Vp8Decoder::create(2);
        if (!decoder) return;
        slot->decoder = std::move(*decoder);
    }
    Decoding& d = *slot;
    const std::int64_t now = monotonicMicros();
    // A gap in the sequence: the frames after it cannot be decoded until a keyframe.
    if (d.lastFrame && header.frameNumber != *d.lastFrame + 1) {
        const std::uint32_t missing = header.frameNumber - *d.lastFrame - 1;
        if (missing < 1000) d.lost += missing;
        if (!header.keyframe()) d.awaitingKeyframe = true;
    }
    d.lastFrame = header.frameNumber;
    if (header.keyframe()) d.awaitingKeyframe = false;
    ReceivedVideoStats* figures = nullptr;
    if (d.awaitingKeyframe) {
        if (now - d.askedUs >= kAskAgainAfterUs) {
            d.askedUs = now;
            session_.sendControl(KeyframeRequest{header.streamId, header.layer});
            std::lock_guard lock(mutex_);
            ++stats_[header.streamId].keyframesAsked;
        }
        std::lock_guard lock(mutex_);
        ++stats_[header.streamId].framesSkipped;
        return;
    }
    auto picture = d.decoder->decode(frame->payload);
    const std::int64_t decodedUs = monotonicMicros();
    if (!picture) {
        ++d.lost;
        d.awaitingKeyframe = true;
        return;
    }
    ++d.received;
    const std::optional<std::int64_t> offset = session_.serverClockOffsetUs();
    const std::int64_t serverNow = decodedUs + offset.value_or(0);
    const double headerDelayMs = static_cast<double>(serverNow - header.captureServerUs.us()) / 1000.0;
    if (offset && headerDelayMs >= 0 && headerDelayMs < kSaneDelayMs) d.delaysMs.push_back(headerDelayMs);
    std::optional<double> glassMs;
    if (offset)
        if (const auto captured = video::TestPattern::readTime(*picture, serverNow)) {
            const double ms = static_cast<double>(serverNow - *captured) / 1000.0;
            if (ms >= 0 && ms < kSaneDelayMs) glassMs = ms;
        }
    std::lock_guard lock(mutex_);
    // Only the layer this receiver shows now draws; the other is on its way out.
    const auto want = wants_.find(header.streamId);
    if (want == wants_.end() || want->second != header.layer) return;
    figures = &stats_[header.streamId];
    ++figures->framesDecoded;
    if (header.keyframe()) ++figures->keyframes;
    figures->width = picture->width();
    figures->height = picture->height();
    figures->lastDecodedLocalUs = decodedUs;
    if (glassMs && figures->glassToGlassMs.size() < kMaxSamples) figures->glassToGlassMs.push_back(*glassMs);
    if (offset && headerDelayMs >= 0 && headerDelayMs < kSaneDelayMs && figures->headerDelayMs.size() < kMaxSamples)
        figures->headerDelayMs.push_back(headerDelayMs);
    Picture& shown = pictures_[header.streamId];
    shown.image = std::move(*picture);
    ++shown.version;
    shown.decodedLocalUs = decodedUs;
}

// Receiver's thread, once a second: each sender hears how its video arrives here.
void VideoReceiver::report(std::int64_t nowUs) {
    nextReportUs_ = nowUs + kReportEveryUs;
    for (auto& [key, d] : decoders_) {
        if (d->received == 0 && d->lost == 0) continue;
        VideoReport report;
        report.streamId = key.first;
        report.layer = key.second;
        report.framesReceived = std::min<std::uint32_t>(d->received, 10'000);
        report.framesLost = std::min<std::uint32_t>(d->lost, 10'000);
        report.delayMs = static_cast<std::uint32_t>(std::clamp(percentile(d->delaysMs, 0.5), 0.0, 60'000.0));
        session_.sendControl(report);
        {
            std::lock_guard lock(mutex_);
            stats_[key.first].framesLost += d->lost;
        }
        d->received = d->lost = 0;
        d->delaysMs.clear();
    }
}

void VideoReceiver::run() {
    nextReportUs_ = monotonicMicros() + kReportEveryUs;
    while (!stop_.load()) {
        std::vector<std::uint8_t> frame;
        {
            std::unique_lock lock(mutex_);
            arrived_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_.load() || !queue_.empty(); });
            if (!queue_.empty()) {
                frame = std::move(queue_.front());
                queue_.pop_front();
            }
        }
        if (!frame.empty()) decode(frame);
        if (monotonicMicros() >= nextReportUs_) report(monotonicMicros());
    }
}

}  // namespace samspil::client_video
