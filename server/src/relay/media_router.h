// MediaRouter: the Outbox the room logic talks to. Text and closes go to the WebSocket
// connections; each relayed media packet goes by UDP to a participant whose UDP path is
// alive and by WebSocket to everyone else — the per-recipient switch of the fast path and
// its fallback — and once more to a browser's media twin (a second WebSocket). Service
// thread only.
#pragma once

#include "relay/connection_table.h"
#include "udp/udp_paths.h"

#include <functional>
#include <unordered_map>

namespace samspil::server {

class MediaRouter : public Outbox {
public:
    /// requestFlush: have the queued datagrams sent after this pass of the event loop.
    MediaRouter(ConnectionTable& connections, std::function<void()> requestFlush)
        : connections_(connections), requestFlush_(std::move(requestFlush)) {}

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

private:
    ConnectionTable& connections_;
    std::function<void()> requestFlush_;
    UdpPaths* udp_ = nullptr;
    std::unordered_map<ConnectionId, ConnectionId> twins_;  // participant → its media twin
};

}  // namespace samspil::server
