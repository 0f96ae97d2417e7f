// The UDP fast path's socket in the server's event loop: one non-blocking UDP socket,
// adopted into libwebsockets' loop as a raw descriptor so that it is served by the same
// single service thread as every WebSocket (lws's own UDP adoption reads one datagram
// per callback; this reads them all with recvmmsg). Service thread only.
#include "relay_server.h"

#include "log.h"
#include "samspil/time/clock.h"

namespace samspil::server {

void RelayServer::openUdpPath(lws_vhost* vhost, int tcpPort) {
    // The same port number as the WebSocket by default: one number for a school's
    // firewall to open. Where that is taken and the TCP port was picked freely, any port.
    const int wanted = options_.udpPort < 0 ? tcpPort : options_.udpPort;
    // Datagrams are sealed under keys that only travel inside the WebSocket, so UDP may
    // listen beyond loopback (--udp-bind) while the WebSocket stays behind a TLS proxy.
    const std::string& address = options_.udpBind.empty() ? options_.bind : options_.udpBind;
    std::string error;
    auto socket = UdpSocket::open(address, static_cast<std::uint16_t>(wanted), error);
    if (!socket && options_.udpPort < 0 && options_.port == 0) socket = UdpSocket::open(address, 0, error);
    if (!socket) {
        logWarning("no UDP fast path (UDP port " + std::to_string(wanted) + ": " + error +
                   "); all media goes over the WebSocket");
        return;
    }
    lws_sock_file_fd_type descriptor{};
    descriptor.filefd = socket->fd();
    if (!lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, descriptor, "samspil-udp", nullptr)) {
        logWarning("no UDP fast path: the event loop would not take the UDP socket");
        return;
    }
    socket->handOverClosing();
    udpSocket_ = std::move(socket);
    udpPaths_ = std::make_unique<UdpPaths>(metrics_, udpSocket_->port(), connections_.limits().media);
    router_.attachUdp(udpPaths_.get());
    logInfo("UDP fast path on " + address + " port " + std::to_string(udpSocket_->port()));
}

int RelayServer::udpCallback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* /*in*/, std::size_t /*len*/) {
    if (reason == LWS_CALLBACK_RAW_RX_FILE) of(wsi).onUdpReadable();
    return 0;
}

void RelayServer::onUdpReadable() {
    if (!udpSocket_ || !udpPaths_ || finished_) return;
    const std::int64_t now = monotonicMicros();
    const auto deliver = [this](ConnectionId id, std::span<const std::uint8_t> media, std::int64_t nowUs) {
        rooms_.onBinary(id, media, nowUs);
    };
    // Whole video frames wait until the audio this batch brought has gone out.
    const auto deliverVideo = [this](ConnectionId id, std::span<const std::uint8_t> frame, std::int64_t) {
        videoLater_.emplace_back(id, std::vector<std::uint8_t>(frame.begin(), frame.end()));
    };
    udpSocket_->receiveAll([&](std::span<const std::uint8_t> datagram, const UdpAddress& from) {
        udpPaths_->onDatagram(datagram, from, now, deliver, deliverVideo);
    });
    if (!videoLater_.empty()) {
        connections_.flushDirty(now);
        flushUdp(now);
        for (const auto& [id, frame] : videoLater_) rooms_.onVideo(id, frame, now);
        videoLater_.clear();
    }
    if (udpPaths_->hasQueued()) requestFlush();
}

void RelayServer::flushUdp(std::int64_t nowUs) {
    if (!udpSocket_ || !udpPaths_) return;
    udpOut_.clear();
    if (!udpPaths_->takeDatagrams(udpOut_, nowUs)) return;
    udpSocket_->sendAll(udpOut_);
    udpPaths_->noteSent(udpOut_, nowUs);
}

}  // namespace samspil::server
