// Types shared by the room logic and the socket layer of the server.
#pragma once

#include "accounts/audit_log.h"
#include "samspil/protocol/control_message.h"
#include "samspil/protocol/media_packet.h"
#include "samspil/protocol/video_frame.h"

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
    bool repeat = false;          ///< this sequence was relayed before (a UDP redundancy copy):
                                  ///< UDP paths carry it again, WebSockets need it only once
    std::uint16_t length = 0;
    std::uint8_t bytes[protocol::kMaxMediaPacketBytes];

    std::span<const std::uint8_t> encoded() const { return {bytes, length}; }
};
using SharedMedia = std::shared_ptr<const MediaBuffer>;

/// One received video frame (a whole one: the header and the VP8 frame), stamped with its
/// sender's stream id, shared by every recipient's queue.
struct VideoBuffer {
    std::int64_t receivedUs = 0;  ///< monotonic µs when the server had it whole
    std::uint16_t streamId = 0;   ///< the sender's
    protocol::VideoLayer layer = protocol::VideoLayer::Small;
    bool keyframe = false;
    std::vector<std::uint8_t> bytes;
};
using SharedVideo = std::shared_ptr<const VideoBuffer>;

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
    /// The UDP fast path's offer for a joining participant's welcome; none by default.
    virtual std::optional<protocol::UdpOffer> offerUdp(ConnectionId) { return std::nullopt; }
    /// The participant left the room or is gone: its UDP path (if any) is closed.
    virtual void forgetUdp(ConnectionId) {}
    /// The participant an offer (session id and key, compared in constant time) was made
    /// to, so that a second WebSocket showing it may carry that participant's media; none
    /// when no such offer exists or the key is wrong.
    virtual std::optional<ConnectionId> mediaSessionOwner(std::uint32_t /*session*/, const std::string& /*key*/) {
        return std::nullopt;
    }
    /// From now on relayed media for `main` goes to its media twin `twin` too.
    virtual void linkTwin(ConnectionId /*main*/, ConnectionId /*twin*/) {}
    /// The twin of `main` is gone.
    virtual void detachTwin(ConnectionId /*main*/) {}
    /// Queues a video frame for a participant: by UDP while their path carries, else on their
    /// video WebSocket, else not at all. Perishable; never in front of audio.
    virtual void sendVideo(ConnectionId /*to*/, const SharedVideo& /*frame*/) {}
    /// From now on `link` is the video WebSocket of participant `main`.
    virtual void linkVideo(ConnectionId /*main*/, ConnectionId /*link*/) {}
    /// The video WebSocket of `main` is gone.
    virtual void detachVideo(ConnectionId /*main*/) {}
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
    /// Stores one message; `stored(true)` once it is committed (only then is it echoed to
    /// the room: an echoed chat survives a crash), `stored(false)` when it could not be.
    virtual void append(const std::string& room, const protocol::ChatMessage& message,
                        std::function<void(bool stored)> stored) = 0;
};

/// A participant's role inside a live room.
enum class RoomRole {
    Participant,  ///< in an open room (no accounts): no roles, no controls
    Teacher,      ///< a teacher or admin of the room's school
    Student,
    Mentor,
    Guest,        ///< came in with an invite
};

/// The wire name of a room role ("teacher", ...).
std::string_view roomRoleName(RoomRole role);

/// Why a join is refused: the code and, when it helps the person, a detail for the sentence.
struct Refusal {
    protocol::ErrorCode code = protocol::ErrorCode::NotAllowed;
    std::string detail;
    std::string movedTo;  ///< with `moved`: the node that holds the room
};

/// The outcome of a join request: who the participant is, or why they may not enter.
struct Admission {
    std::optional<Refusal> refusal;                 ///< set when the join is refused
    std::string displayName;                        ///< the name shown to the room
    RoomRole role = RoomRole::Participant;
    std::int64_t personId = 0;                      ///< 0 for guests and open rooms
    std::int64_t inviteId = 0;                      ///< the invite a guest came with
    std::int64_t schoolId = 0;                      ///< 0 for an open room
    bool mayBeRecorded = true;                      ///< false: left out of recordings (the person's school record)
    bool dropIn = false;                            ///< the room needs no waiting room
    std::optional<std::string> resumeToken;         ///< for guests: rejoin with this instead of the invite
};

/// Decides who may enter a room. admit() is called on the service thread; done must be
/// called back on the service thread, exactly once.
class JoinPolicy {
public:
    virtual ~JoinPolicy() = default;
    virtual void admit(const protocol::JoinRequest& request, std::function<void(Admission)> done) = 0;
    /// The room closed here (its last participant left): a policy that leased it lets it go.
    virtual void roomClosed(const std::string& /*room*/) {}
};

/// Admits anyone with a valid room code and name into an open room (no accounts). Used by
/// tests and for rooms of the demo mode.
class OpenRoomsPolicy : public JoinPolicy {
public:
    void admit(const protocol::JoinRequest& request, std::function<void(Admission)> done) override;
};

/// Where room controls are written down (the audit log). Service thread.
class AuditSink {
public:
    virtual ~AuditSink() = default;
    virtual void record(const AuditEntry& entry) = 0;
};

/// Forgets everything (tests, open rooms).
class NoAudit : public AuditSink {
public:
    void record(const AuditEntry&) override {}
};

/// Where a room's recording goes (the recorder: files on a thread of its own, rows in
/// SQLite). Every call comes from the service thread, and begin's answer runs there too.
/// Positions are 48 kHz samples since the recording started, on the server's clock.
class RecordingSink {
public:
    struct Start {
        std::int64_t schoolId = 0;
        std::string room;
        std::int64_t startedBy = 0;  ///< the person who pressed Record (0: a guest)
        std::string startedByName;
        std::int64_t startsInMs = 0;  ///< a take starts after its count-in, this far ahead
        double takeBpm = 0;           ///< a take's tempo; 0 for a lesson recording
        int takeBeatsPerBar = 0;
    };
    struct Track {
        std::uint32_t participantId = 0;
        std::string name;
        std::int64_t personId = 0;  ///< 0 for a guest
        int channels = 1;
    };

    virtual ~RecordingSink() = default;
    /// A recording starts: done(id) once it is stored and has a folder, done(nullopt)
    /// when it cannot (the reason is logged).
    virtual void begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) = 0;
    /// Someone with an account was in the room while it recorded (recorded false: left out).
    virtual void present(std::int64_t recording, std::int64_t personId, bool recorded) = 0;
    /// A participant's track begins (before their first packet).
    virtual void track(std::int64_t recording, const Track& track) = 0;
    /// One packet of a participant's track, whose first sample belongs at `position`.
    virtual void media(std::int64_t recording, std::uint32_t participantId, std::int64_t position,
                       const SharedMedia& packet) = 0;
    /// The recording ends, `length` samples long.
    virtual void end(std::int64_t recording, std::int64_t length) = 0;
};

/// Records nothing: every begin is refused (tests, servers without a store).
class NoRecordings : public RecordingSink {
public:
    void begin(const Start&, std::function<void(std::optional<std::int64_t>)> done) override { done(std::nullopt); }
    void present(std::int64_t, std::int64_t, bool) override {}
    void track(std::int64_t, const Track&) override {}
    void media(std::int64_t, std::uint32_t, std::int64_t, const SharedMedia&) override {}
    void end(std::int64_t, std::int64_t) override {}
};

}  // namespace samspil::server
