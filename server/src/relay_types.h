// Types shared by the room logic and the socket layer of the server.
#pragma once

#include "samspil/core/control_message.h"
#include "samspil/core/media_packet.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace samspil::server {

/// Identifies one WebSocket connection for its whole life; never reused.
using ConnectionId = std::uint64_t;

/// One received media packet, stamped with its sender's stream id, shared (not copied)
/// by every recipient's queue.
struct MediaBuffer {
    std::int64_t receivedUs = 0;  ///< monotonic µs when the server read it
    std::uint16_t length = 0;
    std::uint8_t bytes[protocol::kMaxMediaPacketBytes];

    std::span<const std::uint8_t> encoded() const { return {bytes, length}; }
};
using SharedMedia = std::shared_ptr<const MediaBuffer>;

/// WebSocket close codes the server uses (RFC 6455 §7.4.1).
enum CloseCode : int {
    kCloseNormal = 1000,
    kCloseGoingAway = 1001,
    kClosePolicy = 1008,
    kCloseTooLarge = 1009,
    kCloseInternal = 1011,
};

/// What the room logic asks of the socket layer. Service thread only.
class Outbox {
public:
    virtual ~Outbox() = default;
    /// Queues a text frame (reliable, in order).
    virtual void sendText(ConnectionId to, std::string text) = 0;
    /// Queues a media packet (perishable: may be dropped if the receiver is slow).
    virtual void sendMedia(ConnectionId to, const SharedMedia& packet) = 0;
    /// Closes once the queued text has been written.
    virtual void closeAfterFlush(ConnectionId who, int closeCode, std::string reason) = 0;
};

/// The newest messages of a room, as loaded from storage.
struct StoredChat {
    std::vector<protocol::ChatMessage> messages;  ///< oldest first
    std::uint64_t lastId = 0;
};

/// Where chat lives between server runs. Calls come from the service thread;
/// `done` must be called back on the service thread, exactly once.
class ChatArchive {
public:
    virtual ~ChatArchive() = default;
    virtual void loadRecent(const std::string& room, int limit, std::function<void(StoredChat)> done) = 0;
    virtual void append(const std::string& room, const protocol::ChatMessage& message) = 0;
};

/// Decides who may enter a room. Returns the refusal, or nullopt to admit.
class JoinPolicy {
public:
    virtual ~JoinPolicy() = default;
    virtual std::optional<protocol::ErrorMessage> admit(const protocol::JoinRequest& request) = 0;
};

/// Admits anyone with a valid room code and name: the policy until accounts exist.
class OpenRoomsPolicy : public JoinPolicy {
public:
    std::optional<protocol::ErrorMessage> admit(const protocol::JoinRequest&) override { return std::nullopt; }
};

}  // namespace samspil::server
