#include "raw_websocket.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace samspil::test {

int WsFrame::closeCode() const {
    if (payload.size() < 2) return 0;
    return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

std::string WsFrame::closeReason() const {
    return payload.size() > 2 ? payload.substr(2) : std::string();
}

RawWebSocket::~RawWebSocket() {
    if (fd_ >= 0) close(fd_);
}

int RawWebSocket::connect(int port, const std::string& path, const std::string& subprotocol, int receiveBufferBytes) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (receiveBufferBytes > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, sizeof receiveBufferBytes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 0;
    std::string request = "GET " + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: c2Ftc3BpbC10ZXN0LWtleQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!subprotocol.empty()) request += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n";
    request += "\r\n";
    if (!sendAll(request.data(), request.size())) return 0;
    // Read the response head byte by byte: anything after it belongs to the first frame.
    std::string& head = handshakeAnswer_;
    head.clear();
    while (head.find("\r\n\r\n") == std::string::npos) {
        std::string byte;
        if (!readExact(1, byte, 5000)) return head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0;
        head += byte;
    }
    const int status = head.rfind("HTTP/1.", 0) == 0 && head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0;
    if (status != 101) {  // a refusal may explain itself in a short body
        std::string rest;
        while (head.size() < 8192 && readExact(1, rest, 300)) head += rest;
    }
    return status;
}

bool RawWebSocket::sendAll(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t sent = ::send(fd_, bytes, size, MSG_NOSIGNAL);
        if (sent <= 0) return false;
        bytes += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

bool RawWebSocket::sendFrameHeader(int opcode, std::uint64_t length) {
    std::vector<std::uint8_t> header{static_cast<std::uint8_t>(0x80 | opcode)};
    if (length < 126) {
        header.push_back(static_cast<std::uint8_t>(0x80 | length));
    } else if (length <= 0xFFFF) {
        header.push_back(0x80 | 126);
        header.push_back(static_cast<std::uint8_t>(length >> 8));
        header.push_back(static_cast<std::uint8_t>(length));
    } else {
        header.push_back(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) header.push_back(static_cast<std::uint8_t>(length >> shift));
    }
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<std::uint8_t>(mask_ >> shift));
    maskOffset_ = 0;
    return sendAll(header.data(), header.size());
}

bool RawWebSocket::sendPayload(const std::vector<std::uint8_t>& bytes) {
    std::vector<std::uint8_t> masked(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i, ++maskOffset_)
        masked[i] = bytes[i] ^ static_cast<std::uint8_t>(mask_ >> (8 * (3 - maskOffset_ % 4)));
    return sendAll(masked.data(), masked.size());
}

bool RawWebSocket::sendFrame(int opcode, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    return sendFrameHeader(opcode, size) && sendPayload(std::vector<std::uint8_t>(bytes, bytes + size));
}

bool RawWebSocket::sendText(std::string_view text) {
    return sendFrame(1, text.data(), text.size());
}

bool RawWebSocket::sendBinary(const std::vector<std::uint8_t>& bytes) {
    return sendFrame(2, bytes.data(), bytes.size());
}

bool RawWebSocket::readExact(std::size_t size, std::string& out, int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (buffered_.size() < size) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 || fd_ < 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
        char chunk[65536];
        const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffered_.append(chunk, static_cast<std::size_t>(n));
    }
    out = buffered_.substr(0, size);
    buffered_.erase(0, size);
    return true;
}

std::optional<WsFrame> RawWebSocket::receive(int timeoutMs) {
    for (;;) {
        std::string head;
        if (!readExact(2, head, timeoutMs)) return std::nullopt;
        WsFrame frame;
        frame.opcode = static_cast<unsigned char>(head[0]) & 0x0F;
        std::uint64_t length = static_cast<unsigned char>(head[1]) & 0x7F;
        std::string extended;
        if (length == 126) {
            if (!readExact(2, extended, timeoutMs)) return std::nullopt;
            length = (static_cast<unsigned char>(extended[0]) << 8) | static_cast<unsigned char>(extended[1]);
        } else if (length == 127) {
            if (!readExact(8, extended, timeoutMs)) return std::nullopt;
            length = 0;
            for (char c : extended) length = (length << 8) | static_cast<unsigned char>(c);
        }
        if (!readExact(length, frame.payload, timeoutMs)) return std::nullopt;
        if (frame.opcode == 9) {  // answer pings so the server sees a live client
            sendFrame(10, frame.payload.data(), frame.payload.size());
            continue;
        }
        if (frame.opcode == 8 && !closeAnswered_) {  // a well-behaved client answers a close
            closeAnswered_ = true;
            sendFrame(8, frame.payload.data(), std::min<std::size_t>(frame.payload.size(), 2));
        }
        return frame;
    }
}

std::optional<WsFrame> RawWebSocket::receiveUntil(const std::function<bool(const WsFrame&)>& wanted, int timeoutMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return std::nullopt;
        auto frame = receive(static_cast<int>(left));
        if (!frame) return std::nullopt;
        if (wanted(*frame)) return frame;
        if (frame->opcode == 8) return std::nullopt;  // closed before the wanted frame came
    }
}

std::optional<std::string> RawWebSocket::receiveType(const std::string& type, int timeoutMs) {
    auto frame = receiveUntil(
        [&](const WsFrame& f) {
            if (f.opcode != 1) return false;
            auto json = nlohmann::json::parse(f.payload, nullptr, false);
            return !json.is_discarded() && json.value("type", "") == type;
        },
        timeoutMs);
    if (!frame) return std::nullopt;
    return frame->payload;
}

std::optional<WsFrame> RawWebSocket::receiveUntilClose(int timeoutMs) {
    return receiveUntil([](const WsFrame& f) { return f.opcode == 8; }, timeoutMs);
}

void RawWebSocket::abort() {
    if (fd_ < 0) return;
    linger hard{1, 0};  // close with RST, no goodbye
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(fd_);
    fd_ = -1;
}

}  // namespace samspil::test
