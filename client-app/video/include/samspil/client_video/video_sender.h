// VideoSender: one participant's camera into the room. Its own thread ("sp-video-send")
// takes pictures from the camera, encodes the layers the room wants (video_demand: none,
// small, large, or both when receivers differ) with libvpx at the step the rate controller
// picks, and hands the frames to the SessionClient, which sends them beside the audio, never
// in front of it. Once a second the line's figures (receivers' loss and delay, frames the
// server dropped, its own send queue, its audio's send drops) move the step; when even the
// lowest step strains the line, video pauses (the room sees "paused") so the audio does not
// suffer. The camera is opened when turned on and closed when turned off.
//
// Threads: setCameraOn()/onDemand()/preview()/stats() from any thread but an audio thread;
// the work on the sender's own thread.
#pragma once

#include "samspil/base/recent_minimum.h"
#include "samspil/client_video/camera_source.h"
#include "samspil/net/session_client.h"
#include "samspil/protocol/video_control.h"
#include "samspil/video/video_ladder.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace samspil::client_video {

/// Opens the camera (capture thread); null with a reason for people when it cannot.
using CameraFactory = std::function<std::unique_ptr<CameraSource>(std::string& error)>;

/// The camera `which` names ("test-pattern" or a V4L2 device) at the size and rate of
/// `step`, its pictures stamped on the server's clock as `client` knows it.
CameraFactory cameraFor(std::string which, const video::VideoStep& step, net::SessionClient& client);

struct VideoSenderStats {
    std::uint64_t picturesCaptured = 0;
    std::uint64_t framesEncoded[protocol::kVideoLayers] = {};
    std::uint64_t keyframes = 0;
    std::uint64_t bytesEncoded = 0;
    std::uint64_t pauses = 0;           ///< times video paused because the line was too weak
    int step = -1;                      ///< the large layer's step now (kVideoLadder), -1 paused or off
    bool cameraOn = false;
    bool paused = false;
    std::string cameraError;            ///< why the camera did not open, if it did not
    std::uint64_t stepChanges = 0;
    std::map<std::string, std::uint64_t> strains;  ///< seconds the line strained, by what strained it
    std::uint64_t encodeMicrosTotal = 0;
};

class VideoSender {
public:
    /// `highestStep`: the best step of kVideoLadder this sender may use.
    VideoSender(net::SessionClient& session, CameraFactory camera, int highestStep = 4);
    ~VideoSender();  ///< stops the thread, closes the camera
    VideoSender(const VideoSender&) = delete;
    VideoSender& operator=(const VideoSender&) = delete;

    /// Turns the camera on or off (and tells the room). Off until turned on.
    void setCameraOn(bool on);
    bool cameraOn() const { return wantOn_.load(); }
    /// The server's video_demand (network thread).
    void onDemand(const protocol::VideoDemand& demand);
    /// A welcome (network thread): the room is new to us, so is our camera to it.
    void onWelcome();
    /// The newest picture of one's own camera, for the preview: true (and `out` filled) when
    /// there is one newer than `version`.
    bool preview(video::I420Image& out, std::uint64_t& version) const;
    VideoSenderStats stats() const;

private:
    struct Layer;
    void run();
    void adapt(std::int64_t nowUs);
    void encodeLayer(protocol::VideoLayer which, const CapturedPicture& captured, const video::VideoStep& step,
                     bool keyframeOwed);
    void announce(protocol::CameraState state);

    net::SessionClient& session_;
    CameraFactory openCamera_;
    std::atomic<bool> wantOn_{false};
    std::atomic<bool> stop_{false};
    std::atomic<bool> rejoined_{false};
    std::thread thread_;

    mutable std::mutex mutex_;
    protocol::VideoDemand demand_;        // guarded by mutex_
    bool keyframeOwed_[protocol::kVideoLayers] = {};  // guarded by mutex_
    bool adaptNow_ = false;               // guarded by mutex_: the server says our upload queues
    std::condition_variable changed_;
    video::I420Image preview_;            // guarded by mutex_
    std::uint64_t previewVersion_ = 0;    // guarded by mutex_
    VideoSenderStats stats_;              // guarded by mutex_

    // The sender's thread only.
    std::unique_ptr<CameraSource> camera_;
    video::VideoRateController rate_;
    RecentMinimum rttBaseline_;
    RecentMinimum receiverDelayBaseline_;
    int highestStep_;
    std::unique_ptr<Layer> layers_[protocol::kVideoLayers];
    protocol::CameraState announced_ = protocol::CameraState::Off;
    bool announceAgain_ = false;
    std::int64_t nextAdaptUs_ = 0;
    std::uint64_t lastLinkDropped_ = 0;
    std::uint64_t lastAudioDropped_ = 0;
};

}  // namespace samspil::client_video
