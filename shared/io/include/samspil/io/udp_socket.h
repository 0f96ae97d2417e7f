// UdpSocket: one non-blocking UDP socket for the media fast path, read with recvmmsg and
// written with sendmmsg, so that a pass of an event loop costs one system call each way
// however many participants share it (the server's relay, the benchmark's clients).
// One thread at a time (the event loop's).
#pragma once

#include "samspil/udp/udp_datagram.h"

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace samspil::io {

/// Where a datagram came from or goes to (IPv4 or IPv6).
struct UdpAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    bool operator==(const UdpAddress& other) const;
};

/// One sealed datagram ready for the socket.
struct OutgoingDatagram {
    UdpAddress to;
    std::uint16_t length = 0;
    bool sent = false;  ///< set by sendAll(): whether the kernel took it
    std::array<std::uint8_t, udp::kMaxDatagramBytes> bytes;
};

/// An IP literal and port as an address; nullopt for anything that is not an IP literal.
std::optional<UdpAddress> udpAddressOf(const std::string& ip, std::uint16_t port);

class UdpSocket {
public:
    /// Binds to `address` (IPv4 or IPv6 literal) and `port` (0: a free one). nullopt and
    /// `error` set when it cannot.
    static std::optional<UdpSocket> open(const std::string& address, std::uint16_t port, std::string& error);

    UdpSocket(UdpSocket&& other) noexcept;
    UdpSocket& operator=(UdpSocket&& other) noexcept;
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;
    ~UdpSocket();

    int fd() const { return fd_; }
    /// libwebsockets adopted the descriptor and closes it with its context: we must not.
    void handOverClosing() { owned_ = false; }
    std::uint16_t port() const { return port_; }

    /// Reads every datagram waiting (up to a bound per call, so one flood cannot hold the
    /// loop) and hands each to `take`. Returns how many were read.
    using Receiver = std::function<void(std::span<const std::uint8_t>, const UdpAddress&)>;
    std::size_t receiveAll(const Receiver& take);

    /// Sends them all, as few calls as the kernel allows. A full socket buffer drops the
    /// rest (media is perishable). Marks each datagram `sent` or not; returns how many went.
    std::size_t sendAll(std::span<OutgoingDatagram> datagrams);

private:
    explicit UdpSocket(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
    int fd_ = -1;
    std::uint16_t port_ = 0;
    bool owned_ = true;
};

}  // namespace samspil::io
