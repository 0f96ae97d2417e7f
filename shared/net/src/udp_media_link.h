// UdpMediaLink: the client's UDP socket for the fast path, run by SessionClient on its
// network thread: takes a welcome's offer, sends the hellos and keep-alives its
// UdpPathMachine asks for, sends queued media with the repeats of the frames before it
// (redundancy), and hands received media bodies back. The socket is created at the first
// offer and adopted into the client's libwebsockets loop (which then closes it).
//
// Threads: the network thread only.
#pragma once

#include "samspil/protocol/control_message.h"
#include "samspil/protocol/media_slot.h"
#include "samspil/protocol/video_fragments.h"
#include "samspil/rt/spsc_queue.h"
#include "samspil/net/udp_path_machine.h"

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

struct lws;

namespace samspil::net {

class UdpMediaLink {
public:
    /// redundancy: previous frames repeated in each media datagram (0–2).
    explicit UdpMediaLink(int redundancy) : redundancy_(redundancy) {}

    /// A welcome arrived on `wsi` (whose peer is the server) with this offer, or none.
    void start(const std::optional<protocol::UdpOffer>& offer, lws* wsi, std::int64_t nowUs);
    /// The WebSocket is gone: so is the offer.
    void withdraw() { path_.withdraw(); }
    /// libwebsockets closed the socket.
    void socketClosed();

    /// Sends the hello or keep-alive that is due, if any.
    void sendDue(std::int64_t nowUs);
    /// Sends everything queued, each datagram with the repeats of the frames sent before.
    /// Marks the first packet of a connection as a stream start. Returns packets sent.
    std::size_t sendMedia(SpscQueue<MediaSlot>& outgoing, bool& firstMediaOfConnection);
    /// Sends one fragment of a video frame (protocol/video_fragments.h) in a video datagram.
    void sendVideoFragment(std::span<const std::uint8_t> fragment) { seal(udp::Kind::Video, fragment); }
    /// Reads every datagram waiting; media bodies go to `onMedia`, whole video frames (put
    /// together from their fragments) to `onVideo`.
    void receive(const std::function<void(std::span<const std::uint8_t>)>& onMedia,
                 const std::function<void(std::span<const std::uint8_t>)>& onVideo, std::int64_t nowUs);
    /// Video frames given up because a fragment never came.
    std::uint64_t videoFramesIncomplete() const { return reassembler_.framesDropped(); }

    bool carriesMedia() const { return path_.carriesMedia(); }
    UdpPathState state() const { return path_.state(); }
    const UdpPathCounters& counters() const { return path_.counters(); }
    std::int64_t nextDeadlineUs() const { return path_.nextDeadlineUs(); }

private:
    void seal(udp::Kind kind, std::span<const std::uint8_t> body);
    void remember(const MediaSlot& slot, const protocol::MediaHeader& header);

    int redundancy_;
    UdpPathMachine path_;
    int fd_ = -1;
    int family_ = AF_UNSPEC;
    sockaddr_storage server_{};
    socklen_t serverLength_ = 0;
    std::array<MediaSlot, 2> history_{};  // the newest packets sent, newest last
    std::size_t historyCount_ = 0;
    std::vector<std::uint8_t> body_ = std::vector<std::uint8_t>(udp::kMaxBodyBytes);
    std::vector<std::uint8_t> datagram_ = std::vector<std::uint8_t>(udp::kMaxDatagramBytes + 1);
    std::vector<std::uint8_t> opened_ = std::vector<std::uint8_t>(udp::kMaxDatagramBytes + 1);
    protocol::VideoReassembler reassembler_;
};

}  // namespace samspil::net
