// CliVideo: samspil-cli's camera and screen — the test pattern (or a V4L2 camera) sent once
// joined, and every camera in the room received at the layer --watch names, decoded, and
// measured: glass to glass from the senders' time codes, frames lost and waited for, and
// beside the audio's mouth-to-ear the offset between the two (--stats).
// Hooks run on the network thread; report() on the main thread at the end.
#pragma once

#include "cli_options.h"
#include "room_view.h"

#include "samspil/client_video/video_receiver.h"
#include "samspil/client_video/video_sender.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace samspil::cli {

class CliVideo {
public:
    CliVideo(const CliOptions& options, net::SessionClient& session);
    /// The hooks for RoomView::onVideo.
    RoomView::VideoHooks hooks();
    /// The figures; `audioPeers` is the media loop's report of each peer (mouth-to-ear),
    /// matched by stream id for the audio-to-video offset.
    nlohmann::json report(const nlohmann::json& audioPeers) const;

private:
    const CliOptions& options_;
    net::SessionClient& session_;
    std::unique_ptr<client_video::VideoSender> sender_;
    std::unique_ptr<client_video::VideoReceiver> receiver_;
    bool joinedOnce_ = false;  // network thread
};

}  // namespace samspil::cli
