#include "samspil/client_video/video_sender.h"

#include "samspil/protocol/video_frame.h"
#include "samspil/time/clock.h"
#include "samspil/video/vp8_codec.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace samspil::client_video {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kAdaptEveryUs = 1'000'000;
constexpr std::int64_t kCaptureWaitUs = 100'000;  // how soon a stop or a camera-off is noticed
// The small layer alone (every receiver shows tiles) goes no higher than 360p30.
constexpr int kHighestSmallStep = 2;
// A keyframe at least this often, besides those asked for (a receiver that lost one asks at
// once): each is a burst on the sender's upload, so not every few seconds.
constexpr int kKeyframeEverySeconds = 10;
}  // namespace

struct VideoSender::Layer {
    std::unique_ptr<video::Vp8Encoder> encoder;
    video::VideoStep step{};
    std::uint32_t frameNumber = 0;
    std::int64_t lastEncodedUs = 0;
    std::vector<std::uint8_t> wire = std::vector<std::uint8_t>(kMaxVideoFrameBytes);
};

CameraFactory cameraFor(std::string which, const video::VideoStep& step, net::SessionClient& client) {
    return [which = std::move(which), step, &client](std::string& error) {
        return openCamera(which, step.width, step.height, step.framesPerSecond,
                          [&client](std::int64_t localUs) -> std::optional<std::int64_t> {
                              const auto offset = client.serverClockOffsetUs();
                              if (!offset) return std::nullopt;
                              return localUs + *offset;
                          },
                          error);
    };
}

VideoSender::VideoSender(net::SessionClient& session, CameraFactory camera, int highestStep)
    : session_(session), openCamera_(std::move(camera)), rate_(0, highestStep), highestStep_(highestStep) {
    thread_ = std::thread([this] { run(); });
}

VideoSender::~VideoSender() {
    stop_.store(true);
    changed_.notify_all();
    thread_.join();
}

void VideoSender::setCameraOn(bool on) {
    wantOn_.store(on);
    changed_.notify_all();
}

void VideoSender::onDemand(const VideoDemand& demand) {
    std::lock_guard lock(mutex_);
    demand_ = demand;
    if (demand.uplinkQueueMs >= video::VideoRateController::kUplinkStrainMs) adaptNow_ = true;  // not at the second's end
    if (demand.keyframeSmall) keyframeOwed_[0] = true;
    if (demand.keyframeLarge) keyframeOwed_[1] = true;
}

void VideoSender::onWelcome() {
    {
        std::lock_guard lock(mutex_);
        demand_ = VideoDemand{};  // the server tells us afresh once it knows our camera
    }
    rejoined_.store(true);
    changed_.notify_all();
}

bool VideoSender::preview(video::I420Image& out, std::uint64_t& version) const {
    std::lock_guard lock(mutex_);
    if (previewVersion_ == version || preview_.empty()) return false;
    out = preview_;
    version = previewVersion_;
    return true;
}

VideoSenderStats VideoSender::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

// Sender's thread: tells the room about the camera when what it sees changes.
void VideoSender::announce(CameraState state) {
    if (state == announced_ && !announceAgain_) return;
    announced_ = state;
    announceAgain_ = false;
    session_.sendControl(CameraSet{state});
}

// Sender's thread, once a second: the line's figures move the step.
void VideoSender::adapt(std::int64_t nowUs) {
    nextAdaptUs_ = nowUs + kAdaptEveryUs;
    video::LineSignals signals;
    double uplinkQueueMs = 0;
    {
        std::lock_guard lock(mutex_);
        uplinkQueueMs = demand_.uplinkQueueMs;
        signals.worstLossPercent = demand_.worstLossPercent;
        signals.worstDelayMs = demand_.worstDelayMs;
        signals.droppedByServer = demand_.droppedFrames;
    }
    // A queue filling on the way (a home line's modem) shows as delay before anything is
    // lost: in our own ping's round trip (its WebSocket shares the line), and in how long our
    // pictures take to reach the slowest receiver.
    // And, measured by the server from our audio's arrival, our own upload's queue.
    signals.uplinkQueueMs = static_cast<std::uint32_t>(uplinkQueueMs);
    double queueingMs = 0;
    if (const auto rtt = session_.roundTripUs())
        queueingMs = std::max(queueingMs, rttBaseline_.excess(static_cast<double>(*rtt) / 1000.0, nowUs));
    if (signals.worstDelayMs > 0) queueingMs = std::max(queueingMs, receiverDelayBaseline_.excess(signals.worstDelayMs, nowUs));
    signals.queueingDelayMs = static_cast<std::uint32_t>(queueingMs);
    const net::VideoLinkCounters link = session_.videoCounters();
    const int step = rate_.step() < 0 ? 0 : rate_.step();
    const double bitsPerSecond = video::kVideoLadder[static_cast<std::size_t>(step)].bitrateKbps * 1000.0;
    signals.sendBacklogUs = static_cast<std::int64_t>(static_cast<double>(link.queuedBytes) * 8 * 1e6 / bitsPerSecond);
    if (link.framesDropped > lastLinkDropped_) signals.sendBacklogUs = std::max<std::int64_t>(signals.sendBacklogUs, 1'000'000);
    lastLinkDropped_ = link.framesDropped;
    const std::uint64_t audioDropped = session_.counters().mediaSendDropped;
    signals.audioStrained = audioDropped > lastAudioDropped_ + 2;  // a few at a join are not strain
    lastAudioDropped_ = audioDropped;

    const bool wasPaused = rate_.paused();
    const int before = rate_.step();
    rate_.update(signals, nowUs);
    std::lock_guard lock(mutex_);
    if (rate_.step() != before) ++stats_.stepChanges;
    if (const char* why = video::VideoRateController::strain(signals)) ++stats_.strains[why];
    if (rate_.paused() && !wasPaused) ++stats_.pauses;
    stats_.paused = rate_.paused();
    stats_.step = rate_.step();
}

// Sender's thread: one layer of one picture, if its frame rate wants one now.
void VideoSender::encodeLayer(VideoLayer which, const CapturedPicture& captured, const video::VideoStep& step,
                              bool keyframeOwed) {
    auto& slot = layers_[static_cast<std::size_t>(which)];
    if (!slot) slot = std::make_unique<Layer>();
    Layer& layer = *slot;
    const std::int64_t interval = 1'000'000 / step.framesPerSecond;
    if (!keyframeOwed && layer.lastEncodedUs != 0 && captured.capturedLocalUs - layer.lastEncodedUs < interval - 8'000) return;
    bool fresh = false;
    if (!layer.encoder || layer.step.width != step.width || layer.step.height != step.height ||
        layer.step.framesPerSecond != step.framesPerSecond) {
        auto encoder = video::Vp8Encoder::create({step.width, step.height, step.framesPerSecond, step.bitrateKbps, kKeyframeEverySeconds, 1});
        if (!encoder) return;
        layer.encoder = std::move(*encoder);
        fresh = true;  // a new size starts with a keyframe anyway
    } else if (layer.step.bitrateKbps != step.bitrateKbps) {
        layer.encoder->setBitrateKbps(step.bitrateKbps);
    }
    layer.step = step;
    layer.lastEncodedUs = captured.capturedLocalUs;
    const std::int64_t started = monotonicMicros();
    const bool sameSize = captured.picture.width() == step.width && captured.picture.height() == step.height;
    auto encoded = sameSize ? layer.encoder->encode(captured.picture, keyframeOwed || fresh)
                            : layer.encoder->encode(captured.picture.scaled(step.width, step.height), keyframeOwed || fresh);
    const std::int64_t spent = monotonicMicros() - started;
    if (!encoded || !*encoded) return;
    const video::EncodedVideo& frame = **encoded;
    VideoHeader header;
    header.flags = frame.keyframe ? kVideoFlagKeyframe : 0;
    header.layer = which;
    header.framesPerSecond = static_cast<std::uint8_t>(step.framesPerSecond);
    header.width = static_cast<std::uint16_t>(step.width);
    header.height = static_cast<std::uint16_t>(step.height);
    header.frameNumber = layer.frameNumber++;
    header.captureServerUs = WireTime::clamped(captured.capturedLocalUs + session_.serverClockOffsetUs().value_or(0));
    const std::size_t length = writeVideoFrame(header, frame.bytes, layer.wire);
    if (length == 0) return;  // larger than a frame may be: the encoder's rate control will not repeat it
    session_.sendVideoFrame({layer.wire.data(), length});
    std::lock_guard lock(mutex_);
    ++stats_.framesEncoded[static_cast<std::size_t>(which)];
    if (frame.keyframe) ++stats_.keyframes;
    stats_.bytesEncoded += length;
    stats_.encodeMicrosTotal += static_cast<std::uint64_t>(spent);
}

void VideoSender::run() {
    pthread_setname_np(pthread_self(), "sp-video-send");  // its name in top -H and the figures
    // Below the audio in the scheduler's eyes: on a two-core laptop a frame may wait, a sound may not.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    while (!stop_.load()) {
        if (rejoined_.exchange(false)) announceAgain_ = true;
        if (!wantOn_.load()) {
            camera_.reset();  // the camera's light goes out
            for (auto& layer : layers_) layer.reset();
            announce(CameraState::Off);
            {
                std::lock_guard lock(mutex_);
                stats_.cameraOn = false;
                stats_.step = -1;
            }
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, std::chrono::microseconds(kCaptureWaitUs), [this] { return stop_.load() || wantOn_.load(); });
            continue;
        }
        if (!camera_) {
            std::string error;
            camera_ = openCamera_(error);
            std::lock_guard lock(mutex_);
            stats_.cameraError = error;
            if (!camera_) {
                wantOn_.store(false);
                continue;
            }
            stats_.cameraOn = true;
            nextAdaptUs_ = monotonicMicros() + kAdaptEveryUs;
            rate_ = video::VideoRateController(0, highestStep_);  // a camera starts low and climbs
        }
        auto captured = camera_->next(kCaptureWaitUs);
        if (!captured) continue;
        {
            std::lock_guard lock(mutex_);
            preview_ = captured->picture;
            ++previewVersion_;
            ++stats_.picturesCaptured;
        }
        const std::int64_t now = monotonicMicros();
        bool urgent = false;
        {
            std::lock_guard lock(mutex_);
            urgent = std::exchange(adaptNow_, false);
        }
        if (urgent || now >= nextAdaptUs_) adapt(now);
        if (rate_.paused()) {
            announce(CameraState::Paused);
            continue;
        }
        announce(CameraState::On);
        VideoDemand demand;
        bool keyframe[kVideoLayers];
        {
            std::lock_guard lock(mutex_);
            demand = demand_;
            std::copy(std::begin(keyframeOwed_), std::end(keyframeOwed_), keyframe);
            std::fill(std::begin(keyframeOwed_), std::end(keyframeOwed_), false);
        }
        const auto& ladder = video::kVideoLadder;
        const int step = rate_.step();
        if (demand.large) encodeLayer(VideoLayer::Large, *captured, ladder[static_cast<std::size_t>(step)], keyframe[1]);
        if (demand.small) {
            // Beside a large layer the tiles' layer is the ladder's lowest step; alone, it may
            // climb to 360p30.
            const int smallStep = demand.large ? 0 : std::min(step, kHighestSmallStep);
            encodeLayer(VideoLayer::Small, *captured, ladder[static_cast<std::size_t>(smallStep)], keyframe[0]);
        }
    }
    camera_.reset();
}

}  // namespace samspil::client_video
