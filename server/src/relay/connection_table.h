// ConnectionTable: every open WebSocket connection and its outgoing queues, and the
// write path. Implements Outbox for RoomService. Service thread only.
//
// Writes happen once per pass of the event loop: whatever RoomService queued while the
// loop handled a batch of events is written right after it, directly, one binary frame
// of media and the control frames per connection (write coalescing). Only a connection
// whose socket is full, or that must be closed, waits for lws's writeable callback.
//
// Control text is reliable and bounded: a client whose backlog passes the limit is
// disconnected ("too_slow"). Media is perishable, by the policy both transports share
// (relay/media_queue.h): a bounded queue per connection that drops its oldest packet when
// full, and skips packets too old to be worth playing.
#pragma once

#include "metrics.h"
#include "relay/media_queue.h"
#include "relay/video_queue.h"
#include "relay_types.h"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct lws;

namespace samspil::server {

/// Limits of each connection's queues.
struct ConnectionLimits {
    std::size_t maxControlBacklogBytes = 1024 * 1024;
    MediaSendPolicy media;                          ///< the age limit both transports keep
    std::size_t maxCoalescedMediaBytes = 16 * 1024; ///< one binary message at most (clients take up to kMaxServerMediaMessageBytes)
};

/// One WebSocket connection, owned by the table, reached from lws through its per-session data.
struct Connection {
    ConnectionId id = 0;
    lws* wsi = nullptr;
    std::deque<std::string> control;
    std::size_t controlBytes = 0;
    MediaQueue media;
    bool videoLink = false;  // a participant's video WebSocket: video frames, nothing else of media
    VideoQueue video;
    bool lastWriteWasMedia = false;
    bool dirty = false;      // queued output not yet written this pass
    bool closing = false;
    bool closeSent = false;  // the close frame is on its way; lws finishes the rest
    int closeCode = kCloseNormal;
    std::string closeReason;
    std::string rx;         // fragments of the frame being received
    bool rxOverflow = false;
};

class ConnectionTable : public Outbox {
public:
    /// Asks lws for a writeable callback on a connection (replaceable in tests).
    using WriteRequest = void (*)(lws* wsi);
    /// Asks for flushDirty() to run after the current pass of the event loop.
    using FlushRequest = std::function<void()>;

    ConnectionTable(RelayMetrics& metrics, ConnectionLimits limits = {}, WriteRequest requestWrite = nullptr,
                    FlushRequest requestFlush = nullptr);

    /// Writes what every connection with queued output has (end of an event-loop pass).
    void flushDirty(std::int64_t nowUs);

    /// A new connection; returns it for lws's per-session pointer.
    Connection& add(lws* wsi);
    /// Forgets a closed connection.
    void remove(ConnectionId id);
    Connection* find(ConnectionId id);
    std::size_t size() const { return connections_.size(); }
    const ConnectionLimits& limits() const { return limits_; }
    template <typename F>
    void forEach(F&& f) {
        for (auto& [id, connection] : connections_) f(*connection);
    }

    /// Writes what is due on a writeable connection. Returns -1 when lws should close it.
    int onWriteable(Connection& connection, std::int64_t nowUs);

    /// Marks a connection as a participant's video WebSocket (its frames may be large).
    void setVideoLink(ConnectionId id);
    /// Queues a video frame on a video WebSocket (perishable, VideoQueue's rules).
    void sendVideo(ConnectionId link, const SharedVideo& frame, std::int64_t nowUs);
    /// Where dropped and recovered video is told (the room logic: feedback, keyframes).
    void onVideoEvents(std::function<void(ConnectionId, std::uint16_t, std::uint32_t)> dropped,
                       std::function<void(ConnectionId, std::uint16_t, protocol::VideoLayer)> recovered) {
        videoDropped_ = std::move(dropped);
        videoRecovered_ = std::move(recovered);
    }

    // Outbox
    void sendText(ConnectionId to, std::string text) override;
    void sendMedia(ConnectionId to, const SharedMedia& packet) override;
    void closeAfterFlush(ConnectionId who, int closeCode, std::string reason) override;

private:
    int writeMedia(Connection& connection, std::int64_t nowUs);
    int writeControl(Connection& connection);
    int writeVideo(Connection& connection, std::int64_t nowUs);
    void markDirty(Connection& connection);

    RelayMetrics& metrics_;
    ConnectionLimits limits_;
    WriteRequest requestWrite_;
    FlushRequest requestFlush_;
    std::vector<ConnectionId> dirty_;
    std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
    ConnectionId nextId_ = 1;
    std::vector<unsigned char> txBuffer_;  // LWS_PRE + the largest frame we write
    MediaBatch batch_;                     // what the media write being made carries
    std::vector<unsigned char> videoTx_;   // LWS_PRE + the largest video frame (made on first use)
    std::function<void(ConnectionId, std::uint16_t, std::uint32_t)> videoDropped_;
    std::function<void(ConnectionId, std::uint16_t, protocol::VideoLayer)> videoRecovered_;
};

}  // namespace samspil::server
