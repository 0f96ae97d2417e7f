#include "samspil/client_video/video_receiver.h"

#include "samspil/base/percentile.h"
#include "samspil/protocol/video_frame.h"
#include "samspil/time/clock.h"
#include "samspil/video/test_pattern.h"
#include "samspil/video/vp8_codec.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace samspil::client_video {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kReportEveryUs = 1'000'000;
constexpr std::int64_t kAskAgainAfterUs = 300'000;  // a lost keyframe request is asked again
// A time code further off than this is not a reading (the sender's clock was not synced yet).
constexpr double kSaneDelayMs = 10'000;
constexpr std::int64_t kEarlyReportAfterUs = 250'000;
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
    std::int64_t reportedUs = 0;
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
        if (const auto it = wants_.find(streamId); it != wants_.end() && it->second == layer) return;
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
        auto decoder = video::Vp8Decoder::create(1);
        if (!decoder) return;
        slot->decoder = std::move(*decoder);
    }
    Decoding& d = *slot;
    const std::int64_t now = monotonicMicros();
    // A gap in the sequence: the frames after it cannot be decoded until a keyframe. A gap
    // that ends in a keyframe is the server restarting us on purpose (after holding video
    // back, or dropping what went stale), not the line losing frames.
    if (d.lastFrame && header.frameNumber != *d.lastFrame + 1 && !header.keyframe()) {
        const std::uint32_t missing = header.frameNumber - *d.lastFrame - 1;
        if (missing < 1000) d.lost += missing;
        d.awaitingKeyframe = true;
        // Loss on our line: say so now, not at the second's end — the server holds video
        // back from us at once, and our audio keeps the line.
        if (d.lost >= 2 && now - d.reportedUs >= kEarlyReportAfterUs) reportOne(header.streamId, header.layer, d, now);
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
    if (figures->pictureLocalUs.size() < kMaxSamples) figures->pictureLocalUs.push_back(decodedUs);
    if (header.keyframe() && figures->keyframeLocalUs.size() < kMaxSamples) figures->keyframeLocalUs.push_back(decodedUs);
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

// Receiver's thread: how one sender's layer arrived since the last report.
void VideoReceiver::reportOne(std::uint16_t stream, VideoLayer layer, Decoding& d, std::int64_t nowUs) {
    VideoReport report;
    report.streamId = stream;
    report.layer = layer;
    report.framesReceived = std::min<std::uint32_t>(d.received, 10'000);
    report.framesLost = std::min<std::uint32_t>(d.lost, 10'000);
    report.delayMs = static_cast<std::uint32_t>(std::clamp(percentile(d.delaysMs, 0.5), 0.0, 60'000.0));
    if (periodExpected_ > 0)
        report.lineLossPercent = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(100, (periodExpected_ - std::min(periodReceived_, periodExpected_)) * 100 / periodExpected_));
    session_.sendControl(report);
    {
        std::lock_guard lock(mutex_);
        stats_[stream].framesLost += d.lost;
    }
    d.received = d.lost = 0;
    d.delaysMs.clear();
    d.reportedUs = nowUs;
}

// Receiver's thread, once a second: each sender hears how its video arrives here.
void VideoReceiver::report(std::int64_t nowUs) {
    nextReportUs_ = nowUs + kReportEveryUs;
    for (auto& [key, d] : decoders_)
        if (d->received > 0 || d->lost > 0) reportOne(key.first, key.second, *d, nowUs);
    periodExpected_ = periodReceived_ = 0;
}

// Receiver's thread, every ~100 ms: what the UDP path's counts say of our line. The server
// numbers every datagram it sends us; the ones that never came are the line's loss — audio's
// too. When a quarter second loses 5 % or more while video comes, the senders hear it at once
// (the server holds video back from us, and our audio keeps the line).
void VideoReceiver::watchLine(std::int64_t nowUs) {
    const net::SessionCounters c = session_.counters();
    if (c.udpHighestCounter < lastHighest_ || lastHighest_ == 0) {  // a new path (or the first look)
        lastHighest_ = c.udpHighestCounter;
        lastReceived_ = c.udpDatagramsReceived;
        windowExpected_ = windowReceived_ = 0;
        windowStartUs_ = nowUs;
        return;
    }
    const std::uint64_t expected = c.udpHighestCounter - lastHighest_;
    const std::uint64_t received = c.udpDatagramsReceived - lastReceived_;
    lastHighest_ = c.udpHighestCounter;
    lastReceived_ = c.udpDatagramsReceived;
    windowExpected_ += expected;
    windowReceived_ += received;
    periodExpected_ += expected;
    periodReceived_ += received;
    if (nowUs - windowStartUs_ < 250'000) return;
    const bool lossy = windowExpected_ >= 20 &&
                       (windowExpected_ - std::min(windowReceived_, windowExpected_)) * 100 >= 5 * windowExpected_;
    windowExpected_ = windowReceived_ = 0;
    windowStartUs_ = nowUs;
    if (!lossy || nowUs - lastEarlyReportUs_ < kEarlyReportAfterUs) return;
    lastEarlyReportUs_ = nowUs;
    for (auto& [key, d] : decoders_)
        if (nowUs - d->reportedUs < 2 * kReportEveryUs) reportOne(key.first, key.second, *d, nowUs);  // layers still coming
}

void VideoReceiver::run() {
    pthread_setname_np(pthread_self(), "sp-video-recv");  // its name in top -H and the figures
    // Below the audio in the scheduler's eyes: on a two-core laptop a frame may wait, a sound may not.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
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
        const std::int64_t now = monotonicMicros();
        if (now - lastLineLookUs_ >= 100'000) {
            lastLineLookUs_ = now;
            watchLine(now);
        }
        if (now >= nextReportUs_) report(now);
    }
}

}  // namespace samspil::client_video
