// UdpPaths: the server's side of the UDP fast path (docs/protocol.md, "The UDP path"), with
// no socket: offers a session id and key per joined connection, opens what arrives
// (authenticated, replay-checked, then handed on as media exactly like a WebSocket binary
// frame), says whether a connection's path carries media now, and seals the media queued
// for each path into datagrams once per event-loop pass, by the send policy both
// transports share (relay/media_queue.h).
//
// A path carries media only after the client showed it hears us: a keep-alive or media,
// which a client sends only once it has seen our ack. A hello means the client is probing —
// it has not (or no longer) heard us — so it stops the path until the next keep-alive:
// where the client's datagrams pass and ours are dropped (a one-way firewall), no media is
// sent into the void. Service thread only.
#pragma once

#include "metrics.h"
#include "relay/media_queue.h"
#include "relay_types.h"
#include "samspil/io/udp_socket.h"
#include "samspil/protocol/control_message.h"
#include "samspil/protocol/video_fragments.h"
#include "samspil/udp/udp_datagram.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace samspil::server {

using io::OutgoingDatagram;
using io::UdpAddress;
using io::UdpSocket;

class UdpPaths {
public:
    /// Media that arrived on a path: the connection it belongs to and a media message (or, for
    /// video, a whole reassembled video frame).
    using MediaSink = std::function<void(ConnectionId, std::span<const std::uint8_t>, std::int64_t nowUs)>;

    UdpPaths(RelayMetrics& metrics, std::uint16_t port, MediaSendPolicy policy = {});

    /// The offer for a joined connection's welcome (a fresh session id and key each time).
    protocol::UdpOffer offer(ConnectionId id);
    /// The connection is gone: its key is forgotten.
    void release(ConnectionId id);
    /// The connection an offer was made to, if `key` is that offer's (compared in constant time).
    std::optional<ConnectionId> ownerOf(std::uint32_t session, const std::string& key) const;

    /// One datagram from the socket. Hellos and keep-alives are answered (queued), media
    /// goes to `deliver`; anything that fails is dropped and counted.
    void onDatagram(std::span<const std::uint8_t> datagram, const UdpAddress& from, std::int64_t nowUs,
                    const MediaSink& deliver, const MediaSink& deliverVideo = {});

    /// True when media for this connection should go by UDP now.
    bool carries(ConnectionId id, std::int64_t nowUs) const;
    /// Queues a relayed packet for the connection's path (sealed at takeDatagrams()).
    void queueMedia(ConnectionId id, const SharedMedia& packet);
    /// Queues a video frame for the connection's path (fragmented at takeDatagrams(); at most
    /// kMaxVideoQueued waiting, none older than the video age limit).
    void queueVideo(ConnectionId id, const SharedVideo& frame);
    static constexpr std::size_t kMaxVideoQueued = 16;
    /// Seals everything queued since the last call, one datagram per path where it fits;
    /// appends them to `out`. Returns true if anything was queued.
    bool takeDatagrams(std::vector<OutgoingDatagram>& out, std::int64_t nowUs);
    /// After the socket had `out`: what each datagram carried is counted as sent, or dropped.
    void noteSent(std::span<const OutgoingDatagram> out, std::int64_t nowUs);
    bool hasQueued() const { return !dirty_.empty(); }

    std::uint16_t port() const { return port_; }

private:
    struct Path {
        ConnectionId connection = 0;
        std::uint32_t session = 0;
        udp::Key key{};
        udp::ReplayWindow replay;
        UdpAddress address;
        bool carrying = false;          // the client has shown it hears us (see above)
        std::uint64_t carryingSince = 0; // the counter of the datagram that showed it
        std::int64_t lastHeardUs = 0;   // its last keep-alive or media
        std::uint64_t sendCounter = 0;
        MediaQueue queued;
        std::deque<SharedVideo> video;             // frames to fragment this pass
        protocol::VideoReassembler reassembler;    // the client's own frames, coming in fragments
        std::vector<std::uint8_t> pendingControl;  // kinds to answer this pass (HelloAck, KeepAlive)
    };

    void seal(Path& path, udp::Kind kind, std::span<const std::uint8_t> body, std::vector<OutgoingDatagram>& out);

    RelayMetrics& metrics_;
    std::uint16_t port_;
    MediaSendPolicy policy_;
    std::unordered_map<std::uint32_t, Path> paths_;              // by session id
    std::unordered_map<ConnectionId, std::uint32_t> byConnection_;
    std::vector<std::uint32_t> dirty_;                           // sessions with something to send
    std::vector<MediaBatch> batches_;                            // what each datagram of the pass carries
    std::vector<std::uint8_t> opened_ = std::vector<std::uint8_t>(udp::kMaxDatagramBytes);
    std::vector<std::uint8_t> body_ = std::vector<std::uint8_t>(udp::kMaxBodyBytes);
};

}  // namespace samspil::server
