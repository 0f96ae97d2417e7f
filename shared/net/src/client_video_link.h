// ClientVideoLink: a participant's video beside its audio, never in front of it. Frames to
// send come from the application's video thread into a short queue (a frame that waits
// behind newer ones is stale: the oldest goes); the network thread sends them by UDP while
// the fast path carries media, else on a second WebSocket of their own — attached with the
// welcome's video token, opened again after a drop — which also brings the others' frames.
// By UDP a frame's fragments are spread over most of its frame interval rather than sent at
// once: a keyframe's tens of datagrams in one burst would sit in a home line's modem in front
// of the audio.
//
// Threads: push() and counters() from any thread but an audio thread (they lock a mutex);
// everything else on the client's network thread.
#pragma once

#include "samspil/net/video_link_counters.h"
#include "samspil/protocol/video_frame.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct lws;

namespace samspil::net {


class ClientVideoLink {
public:
    static constexpr std::size_t kMaxQueuedFrames = 4;
    static constexpr std::int64_t kRetryAfterUs = 1'000'000;
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

    // ---- any thread ----------------------------------------------------------------------
    /// Queues one whole frame (header and VP8, docs/protocol.md "Video"). False when it is
    /// not a valid frame. The oldest waiting frame goes when the queue is full.
    bool push(std::span<const std::uint8_t> frame);
    VideoLinkCounters counters() const;

    // ---- network thread ------------------------------------------------------------------
    /// A welcome came with this video token (or none): the link opens again with it.
    void newToken(const std::optional<std::string>& token, std::int64_t nowUs);
    /// The session left the room: no link, nothing to send.
    void stop();
    /// True when a video WebSocket should be opened now.
    bool wantsConnect(std::int64_t nowUs) const;
    /// The connection attempt started (its lws handle is filled in by lws).
    void connecting() { connecting_ = true; }
    lws*& wsi() { return wsi_; }
    void established();
    /// The video WebSocket is gone (closed, failed): open it again after a moment.
    void gone(std::int64_t nowUs);
    bool attached() const { return wsi_ != nullptr && established_; }
    /// Something to write on the video WebSocket (the attach, or a frame when UDP does not carry).
    bool wantsWrite(bool udpCarries) const;
    /// Writes the attach or one frame. Returns -1 to close the connection.
    int onWriteable(bool udpCarries);
    /// Sends queued frames' fragments through `sendFragment` (the UDP path) as their spread allows.
    void sendPaced(std::int64_t nowUs, const std::function<void(std::span<const std::uint8_t>)>& sendFragment);
    bool hasQueued() const;
    /// A fragment of a binary or text message on the video WebSocket; whole frames go to
    /// `onFrame`. Returns -1 to close (an oversized frame).
    int onReceive(lws* connection, const void* data, std::size_t length,
                  const std::function<void(std::span<const std::uint8_t>)>& onFrame);
    /// A whole frame that came by UDP: counted, checked, passed on.
    void received(std::span<const std::uint8_t> frame, const std::function<void(std::span<const std::uint8_t>)>& onFrame);
    std::int64_t nextDeadlineUs() const;

private:
    std::optional<std::vector<std::uint8_t>> takeFrame();
    std::int64_t paceDeadlineUs() const;
    static constexpr std::int64_t kMaxPacedBacklogUs = 300'000;  // older fragments than this are stale: dropped
    static constexpr std::size_t kSmallestPieceBytes = 320;      // below it the datagrams' own headers cost too much

    mutable std::mutex mutex_;
    std::deque<std::vector<std::uint8_t>> queue_;  // guarded by mutex_
    std::size_t queuedBytes_ = 0;                  // guarded by mutex_
    VideoLinkCounters counters_;                   // guarded by mutex_

    // Network thread only.
    std::optional<std::string> token_;
    lws* wsi_ = nullptr;
    bool connecting_ = false;
    bool established_ = false;
    bool attachSent_ = false;
    std::int64_t retryAtUs_ = 0;
    std::vector<std::uint8_t> rx_;
    bool rxOverflow_ = false;
    std::vector<unsigned char> tx_;
    struct Fragment {
        std::int64_t releaseUs = 0;
        std::vector<std::uint8_t> bytes;
    };
    std::deque<Fragment> fragments_;  // waiting for their time (network thread)
    std::size_t fragmentBytes_ = 0;
    std::atomic<std::size_t> pacedBytes_{0};  // fragmentBytes_ for other threads (the sender's backlog)
};

}  // namespace samspil::net
