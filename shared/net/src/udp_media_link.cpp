#include "udp_media_link.h"

#include "samspil/protocol/media_packet.h"
#include "samspil/io/udp_socket.h"

#include <libwebsockets.h>

#include <unistd.h>

#include <algorithm>
#include <string>

namespace samspil::net {

using namespace samspil::protocol;

void UdpMediaLink::start(const std::optional<UdpOffer>& offer, lws* wsi, std::int64_t nowUs) {
    path_.withdraw();
    if (!offer || !wsi) return;
    // The server is where the WebSocket went (its address, not its name: no second lookup).
    char ip[64] = {};
    if (!lws_get_peer_simple(wsi, ip, sizeof ip)) return;
    std::string text = ip;
    if (text.rfind("::ffff:", 0) == 0 && text.find('.') != std::string::npos) text = text.substr(7);
    const auto address = io::udpAddressOf(text, offer->port);
    if (!address) return;
    const int family = address->storage.ss_family;
    if (fd_ < 0) {
        const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return;
        lws_sock_file_fd_type descriptor{};
        descriptor.filefd = fd;
        if (!lws_adopt_descriptor_vhost(lws_get_vhost(wsi), LWS_ADOPT_RAW_FILE_DESC, descriptor, kSubprotocol.data(),
                                        nullptr)) {
            ::close(fd);
            return;
        }
        fd_ = fd;
        family_ = family;
    }
    if (family != family_) return;  // the server moved between IPv4 and IPv6: stay on the WebSocket
    server_ = address->storage;
    serverLength_ = address->length;
    path_.offer(*offer, nowUs);
}

void UdpMediaLink::socketClosed() {
    fd_ = -1;
    path_.withdraw();
}

void UdpMediaLink::sendDue(std::int64_t nowUs) {
    if (const auto kind = path_.due(nowUs)) seal(*kind, {});
}

// A full socket buffer drops the datagram: media is perishable.
void UdpMediaLink::seal(udp::Kind kind, std::span<const std::uint8_t> body) {
    const std::size_t length = path_.seal(kind, body, datagram_);
    if (length == 0 || fd_ < 0) return;
    ::sendto(fd_, datagram_.data(), length, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&server_), serverLength_);
}

void UdpMediaLink::remember(const MediaSlot& slot, const MediaHeader& header) {
    if (historyCount_ == history_.size()) {
        std::rotate(history_.begin(), history_.begin() + 1, history_.end());
        --historyCount_;
    }
    history_[historyCount_] = slot;
    history_[historyCount_].header = header;
    ++historyCount_;
}

std::size_t UdpMediaLink::sendMedia(SpscQueue<MediaSlot>& outgoing, bool& firstMediaOfConnection) {
    std::size_t sent = 0;
    while (outgoing.front()) {
        std::size_t used = 0;
        // The frames sent just before go first, again, marked as repeats (docs/protocol.md).
        const std::size_t repeats = std::min<std::size_t>(static_cast<std::size_t>(std::clamp(redundancy_, 0, 2)), historyCount_);
        for (std::size_t i = historyCount_ - repeats; i < historyCount_; ++i) {
            MediaHeader header = history_[i].header;
            header.flags = static_cast<std::uint8_t>((header.flags | kMediaFlagRepeat) & ~kMediaFlagStreamStart);
            used += writeMediaPacket(header, history_[i].bytes(), std::span(body_).subspan(used));
        }
        std::size_t fresh = 0;
        while (const MediaSlot* slot = outgoing.front()) {
            if (used + kMediaHeaderBytes + slot->length > body_.size()) {
                if (fresh == 0 && used > 0) {  // no room for the repeats beside it: it goes alone
                    used = 0;
                    continue;
                }
                if (fresh == 0) {  // larger than any datagram (cannot happen for Opus): never stall the queue
                    outgoing.commitPop();
                    continue;
                }
                break;
            }
            MediaHeader header = slot->header;
            if (firstMediaOfConnection) header.flags |= kMediaFlagStreamStart;
            firstMediaOfConnection = false;
            used += writeMediaPacket(header, slot->bytes(), std::span(body_).subspan(used));
            remember(*slot, header);
            outgoing.commitPop();
            ++fresh;
        }
        if (fresh == 0) break;
        seal(udp::Kind::Media, {body_.data(), used});
        sent += fresh;
    }
    return sent;
}

void UdpMediaLink::receive(const std::function<void(std::span<const std::uint8_t>)>& onMedia,
                           const std::function<void(std::span<const std::uint8_t>)>& onVideo, std::int64_t nowUs) {
    // A video keyframe is tens of datagrams: read enough of them per wake-up.
    for (int i = 0; i < 1024 && fd_ >= 0; ++i) {
        const ssize_t got = ::recv(fd_, datagram_.data(), datagram_.size(), MSG_DONTWAIT);
        if (got < 0) break;
        udp::Kind kind = udp::Kind::Media;
        const std::size_t body = path_.onDatagram({datagram_.data(), static_cast<std::size_t>(got)}, opened_, nowUs, &kind);
        if (body == 0) continue;
        if (kind == udp::Kind::Media) {
            onMedia({opened_.data(), body});
        } else if (const auto frame = reassembler_.add({opened_.data(), body})) {
            onVideo(*frame);
        }
    }
}

}  // namespace samspil::net
