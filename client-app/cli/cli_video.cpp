#include "cli_video.h"

#include "samspil/base/percentile.h"
#include "samspil/time/clock.h"
#include "samspil/video/video_ladder.h"

namespace samspil::cli {

using namespace samspil::protocol;

namespace {

nlohmann::json figuresOf(const std::vector<double>& ms) {
    if (ms.empty()) return nullptr;
    return {{"p50", percentile(ms, 0.5)}, {"p95", percentile(ms, 0.95)}, {"p99", percentile(ms, 0.99)},
            {"max", percentile(ms, 1.0)}, {"frames", ms.size()}};
}

}  // namespace

CliVideo::CliVideo(const CliOptions& options, net::SessionClient& session) : options_(options), session_(session) {
    if (options.camera) {
        // The camera films at the best step's size and rate; the sender scales down for lower ones.
        const video::VideoStep& best = video::kVideoLadder[static_cast<std::size_t>(options.videoHighestStep)];
        sender_ = std::make_unique<client_video::VideoSender>(session, client_video::cameraFor(*options.camera, best, session),
                                                              options.videoHighestStep);
    }
    if (options.watchLayer) receiver_ = std::make_unique<client_video::VideoReceiver>(session);
}

RoomView::VideoHooks CliVideo::hooks() {
    RoomView::VideoHooks hooks;
    hooks.welcome = [this] {
        if (sender_) {
            sender_->onWelcome();
            if (!joinedOnce_) sender_->setCameraOn(true);
        }
        if (receiver_) receiver_->onWelcome();
        joinedOnce_ = true;
    };
    hooks.peers = [this](const PeerList& peers, std::uint16_t own) {
        if (!receiver_) return;
        // Every camera that is on, at the layer --watch names; nothing of one that is off.
        for (const PeerInfo& peer : peers.peers) {
            if (peer.streamId == own) continue;
            const bool sending = peer.camera == CameraState::On && !peer.cameraBlocked;
            receiver_->want(peer.streamId, sending ? options_.watchLayer : std::nullopt);
        }
    };
    hooks.demand = [this](const VideoDemand& demand) {
        if (sender_) sender_->onDemand(demand);
    };
    hooks.frame = [this](std::span<const std::uint8_t> frame) {
        if (receiver_) receiver_->onFrame(frame);
    };
    return hooks;
}

nlohmann::json CliVideo::report(const nlohmann::json& audioPeers) const {
    nlohmann::json out;
    const net::VideoLinkCounters link = session_.videoCounters();
    out["link"] = {{"frames_sent", link.framesSent},     {"frames_sent_udp", link.framesSentUdp},
                   {"frames_dropped", link.framesDropped}, {"frames_received", link.framesReceived},
                   {"frames_malformed", link.framesMalformed}, {"video_websocket_opens", link.linkOpens}};
    if (sender_) {
        const auto s = sender_->stats();
        out["sent"] = {{"camera_on", s.cameraOn},
                       {"camera_error", s.cameraError},
                       {"pictures_captured", s.picturesCaptured},
                       {"frames_small", s.framesEncoded[0]},
                       {"frames_large", s.framesEncoded[1]},
                       {"keyframes", s.keyframes},
                       {"bytes", s.bytesEncoded},
                       {"step", s.step >= 0 ? nlohmann::json(video::kVideoLadder[static_cast<std::size_t>(s.step)].name)
                                            : nlohmann::json(nullptr)},
                       {"step_changes", s.stepChanges},
                       {"strains", s.strains},
                       {"pauses", s.pauses},
                       {"paused", s.paused},
                       {"encode_ms_mean", s.framesEncoded[0] + s.framesEncoded[1] > 0
                                              ? static_cast<double>(s.encodeMicrosTotal) / 1000.0 /
                                                    static_cast<double>(s.framesEncoded[0] + s.framesEncoded[1])
                                              : 0.0}};
    }
    if (receiver_) {
        out["received"] = nlohmann::json::array();
        for (const auto& [stream, r] : receiver_->stats()) {
            nlohmann::json peer{{"stream_id", stream},
                                {"frames_decoded", r.framesDecoded},
                                {"frames_lost", r.framesLost},
                                {"frames_skipped", r.framesSkipped},
                                {"keyframes", r.keyframes},
                                {"keyframes_asked", r.keyframesAsked},
                                {"width", r.width},
                                {"height", r.height},
                                {"glass_to_glass_ms", figuresOf(r.glassToGlassMs)},
                                {"capture_to_decoded_ms", figuresOf(r.headerDelayMs)},
                                {"picture_local_us", r.pictureLocalUs},
                                {"keyframe_local_us", r.keyframeLocalUs}};
            // Lip and bow with the sound: how much later the picture is ready than the sound.
            for (const auto& audio : audioPeers)
                if (audio.value("stream_id", -1) == stream && audio["mouth_to_ear_ms"].is_object() &&
                    !r.glassToGlassMs.empty()) {
                    peer["name"] = audio.value("name", "");
                    peer["audio_mouth_to_ear_p50_ms"] = audio["mouth_to_ear_ms"]["p50"];
                    peer["video_minus_audio_ms"] =
                        percentile(r.glassToGlassMs, 0.5) - audio["mouth_to_ear_ms"]["p50"].get<double>();
                }
            out["received"].push_back(peer);
        }
        out["frames_dropped_before_decoding"] = receiver_->framesDroppedInQueue();
    }
    return out;
}

}  // namespace samspil::cli
