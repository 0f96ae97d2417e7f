// RawWebSocket: a deliberately bare WebSocket client over a TCP socket, for tests that
// must misbehave — garbage frames, giant frames, half a frame and then vanish.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::test {

/// One frame from the server.
struct WsFrame {
    int opcode = 0;  ///< 1 text, 2 binary, 8 close, 9 ping, 10 pong
    std::string payload;
    /// For close frames: the status code (0 when absent).
    int closeCode() const;
    /// For close frames: the reason text.
    std::string closeReason() const;
};

class RawWebSocket {
public:
    RawWebSocket() = default;
    ~RawWebSocket();
    RawWebSocket(const RawWebSocket&) = delete;
    RawWebSocket& operator=(const RawWebSocket&) = delete;

    /// TCP connect and upgrade. subprotocol empty: send none. Returns the HTTP status (101 on
    /// success). receiveBufferBytes > 0 shrinks the socket's receive buffer (a slow reader).
    int connect(int port, const std::string& path = "/ws", const std::string& subprotocol = "samspil.v1",
                int receiveBufferBytes = 0);
    /// The head of the HTTP answer to the upgrade, and any body that came with a refusal.
    const std::string& handshakeAnswer() const { return handshakeAnswer_; }

    bool sendText(std::string_view text);
    bool sendBinary(const std::vector<std::uint8_t>& bytes);
    /// A frame header announcing `length` bytes (masked, FIN set); the payload must follow via sendPayload.
    bool sendFrameHeader(int opcode, std::uint64_t length);
    /// Masked payload bytes for the frame begun with sendFrameHeader (may be called repeatedly).
    bool sendPayload(const std::vector<std::uint8_t>& bytes);

    /// The next frame (pings are answered and skipped; a close is answered with a close),
    /// or nullopt on timeout or EOF.
    std::optional<WsFrame> receive(int timeoutMs);
    /// Reads frames until a text frame whose JSON "type" equals type; returns its payload.
    std::optional<std::string> receiveType(const std::string& type, int timeoutMs);
    /// Reads until the server closes; returns the close frame if one came.
    std::optional<WsFrame> receiveUntilClose(int timeoutMs);

    /// Resets the connection (RST), as a crashed client or pulled cable would.
    void abort();
    bool isOpen() const { return fd_ >= 0; }

private:
    bool sendAll(const void* data, std::size_t size);
    bool readExact(std::size_t size, std::string& out, int timeoutMs);
    bool sendFrame(int opcode, const void* data, std::size_t size);
    std::optional<WsFrame> receiveUntil(const std::function<bool(const WsFrame&)>& wanted, int timeoutMs);

    int fd_ = -1;
    std::string buffered_;
    std::string handshakeAnswer_;
    bool closeAnswered_ = false;
    std::uint32_t mask_ = 0x5a17c3e1;
    std::uint64_t maskOffset_ = 0;
};

}  // namespace samspil::test
