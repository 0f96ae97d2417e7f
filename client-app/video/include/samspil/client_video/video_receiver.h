// VideoReceiver: the others' video for one participant. Frames from the SessionClient's
// network thread wait in a short queue (the oldest goes when it is full: video is
// perishable) for the receiver's own thread ("sp-video-recv"), which decodes them with
// libvpx, one decoder per sender and layer. A frame missing from a sequence, or one that
// does not decode, means waiting for a keyframe: asked for (keyframe_request), and frames
// until then skipped. The newest picture of each sender is kept for the UI to draw; once a
// second each sender hears how its video arrives here (video_report). What to receive of
// whom is the UI's choice (want()), sent as video_subscribe.
//
// Glass to glass: when a picture carries the test pattern's time code (every test films
// it), the receiver reads it from the decoded pixels and keeps capture → ready-to-draw on the
// server's clock, per sender.
//
// Threads: onFrame() on the network thread; want()/latest()/stats() on any thread but an
// audio thread; decoding on the receiver's own thread.
#pragma once

#include "samspil/net/session_client.h"
#include "samspil/protocol/video_control.h"
#include "samspil/video/i420_image.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

namespace samspil::client_video {

/// What one sender's video looked like here.
struct ReceivedVideoStats {
    std::uint64_t framesDecoded = 0;
    std::uint64_t framesLost = 0;         ///< missing from the sequence, or undecodable
    std::uint64_t framesSkipped = 0;      ///< while waiting for a keyframe
    std::uint64_t keyframes = 0;
    std::uint64_t keyframesAsked = 0;
    int width = 0;
    int height = 0;
    std::vector<double> glassToGlassMs;   ///< read from the test pattern's time code
    std::vector<double> headerDelayMs;    ///< capture (the frame header's time) → decoded
    std::int64_t lastDecodedLocalUs = 0;
    std::vector<std::int64_t> pictureLocalUs;   ///< when each picture was ready (local monotonic µs)
    std::vector<std::int64_t> keyframeLocalUs;  ///< and each keyframe among them
};

class VideoReceiver {
public:
    static constexpr std::size_t kMaxQueuedFrames = 16;
    static constexpr std::size_t kMaxSamples = 200'000;

    explicit VideoReceiver(net::SessionClient& session);
    ~VideoReceiver();
    VideoReceiver(const VideoReceiver&) = delete;
    VideoReceiver& operator=(const VideoReceiver&) = delete;

    /// Network thread: one whole frame (copied).
    void onFrame(std::span<const std::uint8_t> frame);
    /// A welcome (network thread): what we asked for before is forgotten by the server.
    void onWelcome();
    /// What to receive of a sender: a layer, or nothing. Sent when it changes.
    void want(std::uint16_t streamId, std::optional<protocol::VideoLayer> layer);
    /// The newest picture of a sender: true (and `out` filled) when newer than `version`.
    bool latest(std::uint16_t streamId, video::I420Image& out, std::uint64_t& version) const;
    /// When (local µs) a sender's last picture was decoded; 0 if never.
    std::int64_t lastPictureUs(std::uint16_t streamId) const;
    std::map<std::uint16_t, ReceivedVideoStats> stats() const;
    std::uint64_t framesDroppedInQueue() const { return queueDropped_.load(); }

private:
    struct Decoding;
    struct Picture {
        video::I420Image image;
        std::uint64_t version = 0;
        std::int64_t decodedLocalUs = 0;
    };
    void run();
    void decode(const std::vector<std::uint8_t>& frame);
    void report(std::int64_t nowUs);
    void reportOne(std::uint16_t stream, protocol::VideoLayer layer, Decoding& d, std::int64_t nowUs);
    void watchLine(std::int64_t nowUs);

    net::SessionClient& session_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> queueDropped_{0};

    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<std::vector<std::uint8_t>> queue_;                      // guarded by mutex_
    std::map<std::uint16_t, std::optional<protocol::VideoLayer>> wants_;  // guarded by mutex_
    std::map<std::uint16_t, Picture> pictures_;                        // guarded by mutex_
    std::map<std::uint16_t, ReceivedVideoStats> stats_;                // guarded by mutex_

    // The receiver's thread only.
    std::map<std::pair<std::uint16_t, protocol::VideoLayer>, std::unique_ptr<Decoding>> decoders_;
    std::int64_t nextReportUs_ = 0;
    // The line's loss from the UDP path's counts: since the last look, and this report period.
    std::uint64_t lastHighest_ = 0;
    std::uint64_t lastReceived_ = 0;
    std::uint64_t windowExpected_ = 0, windowReceived_ = 0;
    std::uint64_t periodExpected_ = 0, periodReceived_ = 0;
    std::int64_t windowStartUs_ = 0;
    std::int64_t lastEarlyReportUs_ = 0;
    std::int64_t lastLineLookUs_ = 0;
    std::thread thread_;
};

}  // namespace samspil::client_video
