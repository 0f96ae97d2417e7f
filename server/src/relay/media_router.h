// MediaRouter: the Outbox the room logic talks to. Text and closes go to the WebSocket
// connections; each relayed media packet goes by UDP to a participant whose UDP path is
// alive and by WebSocket to everyone else — the per-recipient switch of the fast path and
// its fallback — and once more to a browser's media twin (a second WebSocket); video by UDP
// or on the participant's video WebSocket. Service thread only.
#pragma once

#include "relay/connection_table.h"
#include "udp/udp_paths.h"

#include <functional>
#include <unordered_map>

namespace samspil::server {

class MediaRouter : public Outbox {
public:
    /// requestFlush: have the queued datagrams sent after this pass of the event loop.
    MediaRouter(ConnectionTable& connections, RelayMetrics& metrics, std::function<void()> requestFlush)
        : connections_(connections), metrics_(metrics), requestFlush_(std::move(requestFlush)) {}

    /// From now on offer the UDP path (null: none, e.g. --no-udp).
    void attachUdp(UdpPaths* paths) { udp_ = paths; }

    void sendText(ConnectionId to, std::string text) override { connections_.sendText(to, std::move(text)); }
    void sendMedia(ConnectionId to, const SharedMedia& packet) override {
        if (udp_ && udp_->carries(to, packet->receivedUs)) {
            udp_->queueMedia(to, packet);
            requestFlush_();
        } else if (!packet->repeat) {
            connections_.sendMedia(to, packet);
        }
        if (!twins_.empty() && !packet->repeat)
            if (const auto twin = twins_.find(to); twin != twins_.end()) connections_.sendMedia(twin->second, packet);
    }
    void closeAfterFlush(ConnectionId who, int closeCode, std::string reason) override {
        forgetUdp(who);
        connections_.closeAfterFlush(who, closeCode, std::move(reason));
    }
    std::optional<protocol::UdpOffer> offerUdp(ConnectionId id) override {
        if (!udp_) return std::nullopt;
        return udp_->offer(id);
    }
    void forgetUdp(ConnectionId id) override {
        if (udp_) udp_->release(id);
    }
    std::optional<ConnectionId> mediaSessionOwner(std::uint32_t session, const std::string& key) override {
        if (!udp_) return std::nullopt;
        return udp_->ownerOf(session, key);
    }
    void linkTwin(ConnectionId main, ConnectionId twin) override { twins_[main] = twin; }
    void detachTwin(ConnectionId main) override { twins_.erase(main); }
    // Video: by UDP while the recipient's path carries (fragments), else on their video
    // WebSocket, never on the WebSocket that carries their audio.
    void sendVideo(ConnectionId to, const SharedVideo& frame) override {
        if (udp_ && udp_->carries(to, frame->receivedUs)) {
            udp_->queueVideo(to, frame);
            requestFlush_();
        } else if (const auto link = videoLinks_.find(to); link != videoLinks_.end()) {
            connections_.sendVideo(link->second, frame, frame->receivedUs);
        } else {
            ++metrics_.videoDropped["no_path"];
        }
    }
    void linkVideo(ConnectionId main, ConnectionId link) override {
        videoLinks_[main] = link;
        connections_.setVideoLink(link);
    }
    void detachVideo(ConnectionId main) override { videoLinks_.erase(main); }

private:
    ConnectionTable& connections_;
    RelayMetrics& metrics_;
    std::function<void()> requestFlush_;
    UdpPaths* udp_ = nullptr;
    std::unordered_map<ConnectionId, ConnectionId> twins_;       // participant → its media twin
    std::unordered_map<ConnectionId, ConnectionId> videoLinks_;  // participant → its video WebSocket
};

}  // namespace samspil::server
