#include "udp/udp_paths.h"

#include "samspil/core/media_packet.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace samspil::server {
namespace {

constexpr std::int64_t kMaxMediaAgeUs = 200'000;  // as on the WebSocket: older is not worth playing

}  // namespace

UdpPaths::UdpPaths(RelayMetrics& metrics, std::uint16_t port) : metrics_(metrics), port_(port) {}

protocol::UdpOffer UdpPaths::offer(ConnectionId id) {
    release(id);  // a second welcome (rejoin on the same connection) gets a fresh key
    std::uint32_t session = udp::freshSessionId();
    while (session == 0 || paths_.count(session)) session = udp::freshSessionId();
    Path& path = paths_[session];
    path.connection = id;
    path.session = session;
    path.key = udp::freshKey();
    byConnection_[id] = session;
    return protocol::UdpOffer{port_, session, udp::keyToBase64(path.key)};
}

void UdpPaths::release(ConnectionId id) {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return;
    paths_.erase(it->second);
    std::erase(dirty_, it->second);
    byConnection_.erase(it);
}

std::optional<ConnectionId> UdpPaths::ownerOf(std::uint32_t session, const std::string& key) const {
    const auto found = paths_.find(session);
    const auto offered = udp::keyFromBase64(key);
    if (found == paths_.end() || !offered || sodium_memcmp(offered->data(), found->second.key.data(), udp::kKeyBytes) != 0)
        return std::nullopt;
    return found->second.connection;
}

void UdpPaths::onDatagram(std::span<const std::uint8_t> datagram, const UdpAddress& from, std::int64_t nowUs,
                          const MediaSink& deliver) {
    ++metrics_.udpDatagramsIn;
    const auto header = udp::peekHeader(datagram);
    if (!header) {
        ++metrics_.udpDropped["malformed"];
        return;
    }
    const auto found = paths_.find(header->sessionId);
    if (found == paths_.end()) {
        ++metrics_.udpDropped["unknown_session"];
        return;
    }
    Path& path = found->second;
    const auto opened = udp::open(path.key, udp::Direction::ClientToServer, datagram, opened_);
    if (!opened) {
        ++metrics_.udpDropped["forged"];
        return;
    }
    if (!path.replay.accept(opened->header.counter)) {
        ++metrics_.udpDropped["replayed"];
        return;
    }
    if (opened->header.kind == udp::Kind::HelloAck) {
        ++metrics_.udpDropped["unexpected_kind"];
        return;
    }
    // Authentic and fresh: this is where the client is now (a NAT may have moved it).
    path.address = from;
    path.proven = true;
    path.lastHeardUs = nowUs;
    switch (opened->header.kind) {
        case udp::Kind::Hello:
        case udp::Kind::KeepAlive: {
            const auto answer = opened->header.kind == udp::Kind::Hello ? udp::Kind::HelloAck : udp::Kind::KeepAlive;
            if (path.pendingControl.empty() && path.queued.empty()) dirty_.push_back(header->sessionId);
            path.pendingControl.push_back(static_cast<std::uint8_t>(answer));
            break;
        }
        case udp::Kind::Media:
            deliver(path.connection, {opened_.data(), opened->bodyBytes}, nowUs);
            break;
        default:
            break;
    }
}

bool UdpPaths::carries(ConnectionId id, std::int64_t nowUs) const {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return false;
    const Path& path = paths_.at(it->second);
    return path.proven && nowUs - path.lastHeardUs < kSilenceUs;
}

void UdpPaths::queueMedia(ConnectionId id, const SharedMedia& packet) {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return;
    Path& path = paths_.at(it->second);
    if (path.pendingControl.empty() && path.queued.empty()) dirty_.push_back(it->second);
    path.queued.push_back(packet);
}

void UdpPaths::seal(Path& path, udp::Kind kind, std::span<const std::uint8_t> body, std::vector<OutgoingDatagram>& out) {
    OutgoingDatagram& datagram = out.emplace_back();
    datagram.to = path.address;
    const udp::Header sealed{kind, path.session, path.sendCounter++};
    const auto length = udp::seal(path.key, udp::Direction::ServerToClient, sealed, body, datagram.bytes);
    if (!length) {  // cannot happen for bodies we size ourselves; never send a half-made datagram
        out.pop_back();
        return;
    }
    datagram.length = static_cast<std::uint16_t>(*length);
    ++metrics_.udpDatagramsOut;
}

bool UdpPaths::takeDatagrams(std::vector<OutgoingDatagram>& out, std::int64_t nowUs) {
    if (dirty_.empty()) return false;
    for (const std::uint32_t session : dirty_) {
        const auto it = paths_.find(session);
        if (it == paths_.end()) continue;
        Path& path = it->second;
        for (const std::uint8_t kind : path.pendingControl) seal(path, static_cast<udp::Kind>(kind), {}, out);
        path.pendingControl.clear();
        // Everything due to this client this pass, in as few datagrams as fit (like the
        // WebSocket's write coalescing).
        std::size_t used = 0;
        for (const SharedMedia& packet : path.queued) {
            if (nowUs - packet->receivedUs > kMaxMediaAgeUs) {
                ++metrics_.mediaDroppedStale;
                continue;
            }
            if (used + packet->length > body_.size()) {
                seal(path, udp::Kind::Media, {body_.data(), used}, out);
                used = 0;
            }
            std::memcpy(body_.data() + used, packet->bytes, packet->length);
            used += packet->length;
            ++metrics_.mediaPacketsOut;
            ++metrics_.udpMediaPacketsOut;
            metrics_.mediaBytesOut += packet->length;
            metrics_.relayLatency.observe(static_cast<double>(nowUs - packet->receivedUs) / 1e6);
        }
        if (used > 0) seal(path, udp::Kind::Media, {body_.data(), used}, out);
        path.queued.clear();
    }
    dirty_.clear();
    return true;
}

}  // namespace samspil::server
