#include "samspil/io/udp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace samspil::io {
namespace {

constexpr unsigned kBatch = 64;          // datagrams per recvmmsg/sendmmsg call
constexpr std::size_t kMaxReadPerCall = 1024;  // then the loop serves others first
constexpr int kSocketBufferBytes = 1024 * 1024;

}  // namespace

bool UdpAddress::operator==(const UdpAddress& other) const {
    return length == other.length && std::memcmp(&storage, &other.storage, length) == 0;
}

std::optional<UdpAddress> udpAddressOf(const std::string& ip, std::uint16_t port) {
    UdpAddress address;
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage); inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        address.length = sizeof(sockaddr_in);
        return address;
    }
    if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage); inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        address.length = sizeof(sockaddr_in6);
        return address;
    }
    return std::nullopt;
}

std::optional<UdpSocket> UdpSocket::open(const std::string& address, std::uint16_t port, std::string& error) {
    auto bindTo = udpAddressOf(address, port);
    if (!bindTo) {
        error = "not an IP address: " + address;
        return std::nullopt;
    }
    sockaddr_storage storage = bindTo->storage;
    socklen_t length = bindTo->length;
    const int family = storage.ss_family;
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    if (family == AF_INET6) {
        const int only = 1;  // exactly the address given, as for the TCP listener
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    }
    const int buffer = kSocketBufferBytes;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
        error = std::strerror(errno);
        ::close(fd);
        return std::nullopt;
    }
    getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
    const std::uint16_t bound = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port)
                                                  : ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    return UdpSocket(fd, bound);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), port_(other.port_), owned_(other.owned_) {
    other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0 && owned_) ::close(fd_);
        fd_ = other.fd_;
        port_ = other.port_;
        owned_ = other.owned_;
        other.fd_ = -1;
    }
    return *this;
}

UdpSocket::~UdpSocket() {
    if (fd_ >= 0 && owned_) ::close(fd_);
}

std::size_t UdpSocket::receiveAll(const Receiver& take) {
    // A little more than the largest datagram we accept, so an oversized one shows as such.
    static constexpr std::size_t kSlot = udp::kMaxDatagramBytes + 1;
    std::array<std::array<std::uint8_t, kSlot>, kBatch> buffers;
    std::array<iovec, kBatch> vectors{};
    std::array<mmsghdr, kBatch> messages{};
    std::array<UdpAddress, kBatch> from{};
    std::size_t total = 0;
    while (total < kMaxReadPerCall) {
        for (unsigned i = 0; i < kBatch; ++i) {
            vectors[i] = {buffers[i].data(), kSlot};
            messages[i].msg_hdr = {};
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &from[i].storage;
            messages[i].msg_hdr.msg_namelen = sizeof from[i].storage;
        }
        const int got = recvmmsg(fd_, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        for (int i = 0; i < got; ++i) {
            from[i].length = messages[i].msg_hdr.msg_namelen;
            take({buffers[i].data(), messages[i].msg_len}, from[i]);
        }
        total += static_cast<std::size_t>(got);
        if (static_cast<unsigned>(got) < kBatch) break;
    }
    return total;
}

std::size_t UdpSocket::sendAll(std::span<OutgoingDatagram> datagrams) {
    std::array<iovec, kBatch> vectors{};
    std::array<mmsghdr, kBatch> messages{};
    for (OutgoingDatagram& datagram : datagrams) datagram.sent = false;
    std::size_t next = 0;
    std::size_t went = 0;
    while (next < datagrams.size()) {
        const std::size_t count = std::min<std::size_t>(kBatch, datagrams.size() - next);
        for (std::size_t i = 0; i < count; ++i) {
            OutgoingDatagram& datagram = datagrams[next + i];
            vectors[i] = {datagram.bytes.data(), datagram.length};
            messages[i].msg_hdr = {};
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &datagram.to.storage;
            messages[i].msg_hdr.msg_namelen = datagram.to.length;
        }
        const int sent = sendmmsg(fd_, messages.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
        if (sent <= 0) {
            if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                ++next;  // this one cannot go (an unreachable address): skip it, send the rest
                continue;
            }
            break;  // the socket buffer is full: the rest is dropped
        }
        for (int i = 0; i < sent; ++i) datagrams[next + static_cast<std::size_t>(i)].sent = true;
        next += static_cast<std::size_t>(sent);
        went += static_cast<std::size_t>(sent);
    }
    return went;
}

}  // namespace samspil::io
