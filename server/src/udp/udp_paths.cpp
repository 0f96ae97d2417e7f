#include "udp/udp_paths.h"

#include "samspil/protocol/media_packet.h"
#include "relay/video_queue.h"
#include "samspil/udp/udp_timing.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace samspil::server {

UdpPaths::UdpPaths(RelayMetrics& metrics, std::uint16_t port, MediaSendPolicy policy)
    : metrics_(metrics), port_(port), policy_(policy) {}

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
                          const MediaSink& deliver, const MediaSink& deliverVideo) {
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
    const udp::Kind kind = opened->header.kind;
    if (kind == udp::Kind::HelloAck) {
        ++metrics_.udpDropped["unexpected_kind"];
        return;
    }
    // Authentic and fresh: this is where the client is now (a NAT may have moved it).
    path.address = from;
    const std::uint64_t counter = opened->header.counter;
    if (kind == udp::Kind::Hello) {
        // Probing: the client does not hear us. A hello sent after the datagram that made the
        // path carry (not one overtaken by it) stops it.
        if (path.carrying && counter > path.carryingSince) path.carrying = false;
    } else if (!path.carrying || counter > path.carryingSince) {
        path.carrying = true;  // a keep-alive or media: sent only once the client saw our ack
        path.carryingSince = counter;
    }
    if (kind != udp::Kind::Hello) path.lastHeardUs = nowUs;
    switch (kind) {
        case udp::Kind::Hello:
        case udp::Kind::KeepAlive: {
            const auto answer = kind == udp::Kind::Hello ? udp::Kind::HelloAck : udp::Kind::KeepAlive;
            if (path.pendingControl.empty() && path.queued.empty() && path.video.empty()) dirty_.push_back(header->sessionId);
            path.pendingControl.push_back(static_cast<std::uint8_t>(answer));
            break;
        }
        case udp::Kind::Media:
            deliver(path.connection, {opened_.data(), opened->bodyBytes}, nowUs);
            break;
        case udp::Kind::Video:
            if (const auto frame = path.reassembler.add({opened_.data(), opened->bodyBytes}); frame && deliverVideo)
                deliverVideo(path.connection, *frame, nowUs);
            break;
        default:
            break;
    }
}

bool UdpPaths::carries(ConnectionId id, std::int64_t nowUs) const {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return false;
    const Path& path = paths_.at(it->second);
    return path.carrying && nowUs - path.lastHeardUs < udp::kSilenceUs;
}

void UdpPaths::queueMedia(ConnectionId id, const SharedMedia& packet) {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return;
    Path& path = paths_.at(it->second);
    if (path.pendingControl.empty() && path.queued.empty() && path.video.empty()) dirty_.push_back(it->second);
    path.queued.push(packet, metrics_);
}

void UdpPaths::queueVideo(ConnectionId id, const SharedVideo& frame) {
    const auto it = byConnection_.find(id);
    if (it == byConnection_.end()) return;
    Path& path = paths_.at(it->second);
    if (path.video.size() >= kMaxVideoQueued) {
        ++metrics_.videoDropped["queue_full"];
        path.video.pop_front();
    }
    if (path.pendingControl.empty() && path.queued.empty() && path.video.empty()) dirty_.push_back(it->second);
    path.video.push_back(frame);
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
        while (!path.queued.empty()) {
            if (batches_.size() < out.size() + 1) batches_.resize(out.size() + 1);
            MediaBatch& batch = batches_[out.size()];
            batch.clear();
            const std::size_t used = path.queued.take(body_, 0, nowUs, policy_, batch, metrics_);
            if (used == 0) break;
            const std::size_t before = out.size();
            seal(path, udp::Kind::Media, {body_.data(), used}, out);
            if (out.size() == before) noteNotWritten(batch, metrics_);
        }
    }
    // Video after everyone's audio (a keyframe's tens of datagrams never in front of another
    // participant's sound in the same batch), each frame in fragments; one too old to show goes.
    for (const std::uint32_t session : dirty_) {
        const auto it = paths_.find(session);
        if (it == paths_.end()) continue;
        Path& path = it->second;
        for (const SharedVideo& frame : path.video) {
            if (nowUs - frame->receivedUs > VideoQueue::kMaxAgeUs) {
                ++metrics_.videoDropped["stale"];
                continue;
            }
            protocol::fragmentVideoFrame(frame->bytes, frame->streamId, [&](std::span<const std::uint8_t> fragment) {
                seal(path, udp::Kind::Video, fragment, out);
            });
            ++metrics_.videoFramesOut;
            metrics_.videoBytesOut += frame->bytes.size();
        }
        path.video.clear();
    }
    dirty_.clear();
    return true;
}

void UdpPaths::noteSent(std::span<const OutgoingDatagram> out, std::int64_t nowUs) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].sent) ++metrics_.udpDatagramsOut;
        if (i >= batches_.size() || batches_[i].packets() == 0) continue;
        if (out[i].sent)
            noteWritten(batches_[i], true, nowUs, metrics_);
        else
            noteNotWritten(batches_[i], metrics_);
        batches_[i].clear();
    }
}

}  // namespace samspil::server
