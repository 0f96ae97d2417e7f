// RoomService: the server's protocol logic — sessions, rooms, join/leave (through a
// JoinPolicy that may check accounts), the waiting room and the teacher's controls, the
// peer list, chat with history, clock pings and media fan-out. Knows nothing of sockets:
// it talks to an Outbox, so it can be tested without a network.
// Every method runs on the service thread only.
#pragma once

#include "metrics.h"
#include "relay_types.h"
#include "samspil/core/media_packet.h"

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace samspil::server {

/// Limits a server enforces per session and room.
struct RoomLimits {
    std::size_t maxParticipantsPerRoom = 128;
    int maxErrorsPerConnection = 20;         ///< bad messages before the connection is closed
    std::int64_t idleTimeoutUs = 15'000'000; ///< silence from a client before it is dropped
    std::int64_t joinTimeoutUs = 10'000'000; ///< time to send join after connecting
    int chatHistoryLength = 50;              ///< messages replayed on join
    std::size_t maxPacketsPerMediaMessage = protocol::kMaxClientMediaMessagePackets;
    std::size_t maxHistoryMessageBytes = 48 * 1024;  ///< chat_history is split to stay under this
    double chatBurst = 10;                   ///< chat lines a participant may send at once
    double chatPerSecond = 2;                ///< and then this many per second
};

class RoomService {
public:
    RoomService(Outbox& outbox, ChatArchive& archive, JoinPolicy& policy, AuditSink& audit, RelayMetrics& metrics,
                RoomLimits limits = {});

    /// A WebSocket connection opened.
    void onOpen(ConnectionId id, std::int64_t nowUs);
    /// A whole text frame arrived.
    void onText(ConnectionId id, std::string_view text, std::int64_t nowUs);
    /// A whole binary frame arrived.
    void onBinary(ConnectionId id, std::span<const std::uint8_t> bytes, std::int64_t nowUs);
    /// A frame exceeded the size limit; the connection will be closed.
    void onOversized(ConnectionId id, std::string_view what);
    /// The connection is gone.
    void onClose(ConnectionId id);
    /// Closes sessions that went quiet; call about once a second.
    void closeIdle(std::int64_t nowUs);
    /// Tells every client the server is going away and closes them.
    void shutdown();

    /// Service thread, before the first connection: where recordings go (none by default).
    void useRecordings(RecordingSink& recordings) { recordings_ = &recordings; }

    std::size_t roomCount() const { return rooms_.size(); }
    std::size_t participantCount() const { return participants_; }
    /// Rooms being recorded now.
    std::size_t recordingCount() const;
    std::size_t sessionCount() const { return sessions_.size(); }

private:
    enum class Stage { Connected, Admitting, Waiting, Joined, Twin };

    /// The sequence numbers of one sender's stream relayed lately, so a copy carried again
    /// for redundancy on the UDP path is told from the first (RFC 6479's bitmap idea).
    struct RelayedSequences {
        std::uint32_t highest = 0;
        std::uint64_t seen = 0;  // bit i: highest - i was relayed
        bool any = false;
        /// True the first time a sequence is seen (a stream start resets the memory).
        bool firstTime(std::uint32_t sequence, bool streamStart);
    };

    struct Session {
        ConnectionId id = 0;
        Stage stage = Stage::Connected;
        std::int64_t openedUs = 0;
        std::int64_t lastHeardUs = 0;
        int errors = 0;
        double chatTokens = 0;          // token bucket for chat flood protection
        std::int64_t chatTokensAtUs = 0;
        bool closing = false;
        bool warnedNotJoined = false;
        std::string room;
        std::uint32_t participantId = 0;
        std::uint16_t streamId = 0;
        std::string name;
        RoomRole role = RoomRole::Participant;
        std::int64_t personId = 0;
        std::int64_t inviteId = 0;
        std::optional<std::string> resumeToken;
        bool muted = false;
        std::optional<protocol::StreamInfo> stream;
        std::int64_t lastTempoUs = 0;   // when this participant last shared a tempo
        std::int64_t lastMetronomeUs = 0;  // when this participant last set the room's metronome
        RelayedSequences relayed;
        ConnectionId twin = 0;          // this participant's media twin (a second WebSocket), if any
        ConnectionId twinOf = 0;        // for a twin: the participant whose media it carries
        bool mayBeRecorded = true;
        // Where this participant's media goes in the room's recording: the recording, and
        // the media timestamp that lands on `basePosition` (samples since it started).
        std::int64_t recordedIn = 0;
        std::uint32_t baseTimestamp = 0;
        std::int64_t basePosition = 0;
        bool recordingRebase = false;  // the stream's epoch changed: place the next packet afresh
        bool recordedAnyPacket = false;  // a packet of this stream went to the current recording

        bool joined() const { return stage == Stage::Joined; }
    };

    struct PendingChat {
        ConnectionId from = 0;
        std::string text;
    };

    struct Room {
        std::string code;
        std::uint64_t generation = 0;  // tells a stale history load from a current one
        std::int64_t schoolId = 0;     // 0: an open room, no roles or controls
        bool dropIn = false;
        bool locked = false;
        ConnectionId teacher = 0;      // the participant who holds the controls
        std::vector<ConnectionId> members;
        std::vector<ConnectionId> waiting;
        std::set<std::int64_t> removedPeople;
        std::set<std::int64_t> removedInvites;
        bool loaded = false;
        std::deque<protocol::ChatMessage> recent;
        std::uint64_t lastChatId = 0;
        std::vector<PendingChat> pendingChats;         // typed while the history was loading
        std::vector<ConnectionId> awaitingHistory;     // joined while the history was loading
        std::optional<protocol::RoomTempo> tempo;      // the latest shared tempo
        std::optional<protocol::RoomMetronome> metronome;  // the room's click grid (room_metronome.cpp)
        struct Recording {
            std::int64_t id = 0;
            std::int64_t startUs = 0;       // server clock: the recording's sample 0
            std::int64_t startedAtMs = 0;   // Unix time, for people
            std::optional<protocol::TakeTiming> take;  // a take: on the metronome's grid
        };
        std::optional<Recording> recording;
        bool recordingStarting = false;     // asked the recorder, no answer yet
    };

    // Messages (room_service.cpp).
    void handle(Session& session, const protocol::JoinRequest& join, std::int64_t nowUs);
    void handle(Session& session, const protocol::StreamInfo& stream, std::int64_t nowUs);
    void handle(Session& session, const protocol::ChatSend& chat, std::int64_t nowUs);
    void handle(Session& session, const protocol::Ping& ping, std::int64_t nowUs);
    void handle(Session& session, const protocol::Leave& leave, std::int64_t nowUs);
    void handle(Session& session, const protocol::MediaTwin& twin, std::int64_t nowUs);
    void closeTwinOf(Session& session);
    void onAdmitted(ConnectionId id, const std::string& roomCode, Admission admission);
    void enterRoom(Session& session, Room& room);

    // The teacher's controls (room_controls.cpp).
    void handle(Session& session, const protocol::Admit& admit, std::int64_t nowUs);
    void handle(Session& session, const protocol::Mute& mute, std::int64_t nowUs);
    void handle(Session& session, const protocol::Remove& remove, std::int64_t nowUs);
    void handle(Session& session, const protocol::Lock& lock, std::int64_t nowUs);
    void handle(Session& session, const protocol::HandOver& handOver, std::int64_t nowUs);

    // Recording the lesson (room_recording.cpp).
    void handle(Session& session, const protocol::Record& record, std::int64_t nowUs);
    void startRecording(Room& room, Session& teacher, std::optional<protocol::TakeTiming> take);
    std::optional<protocol::TakeTiming> nextTake(const Room& room) const;
    void endRecording(Room& room, std::int64_t nowUs);
    void notePresent(const Room& room, const Session& session);
    void recordPacket(const Room& room, Session& session, std::uint32_t timestamp, bool streamStart,
                      const SharedMedia& packet, std::int64_t nowUs);
    std::optional<protocol::RecordingState> recordingState(const Room& room) const;

    // The shared tempo (room_tempo.cpp).
    void handle(Session& session, const protocol::TempoShare& tempo, std::int64_t nowUs);
    void handle(Session& session, const protocol::MetronomeSet& set, std::int64_t nowUs);
    Room* roomControlledBy(Session& session);
    Session* findInRoom(const std::vector<ConnectionId>& list, std::uint32_t participantId);
    void audit(const Room& room, const Session& actor, std::string action, const Session* target,
               std::string detail = {});
    void broadcastRoomState(const Room& room);
    void chooseTeacher(Room& room);

    // Rooms and helpers (room_service.cpp).
    Room& openRoom(const std::string& code);
    void onHistoryLoaded(const std::string& code, std::uint64_t generation, StoredChat stored);
    void leaveRoom(Session& session);
    void broadcastPeers(const Room& room);
    void sendHistory(ConnectionId to, const Room& room);
    void postChat(Room& room, const Session& from, std::string text);
    void onChatStored(const std::string& code, std::uint64_t generation, ConnectionId sender,
                      const protocol::ChatMessage& message, bool stored);
    void send(ConnectionId to, const protocol::ServerMessage& message);
    void sendError(Session& session, protocol::ErrorCode code, std::string_view detail, bool fatal,
                   int closeCode = kClosePolicy);
    std::uint16_t allocateStreamId();
    bool takeChatToken(Session& session, std::int64_t nowUs) const;

    Outbox& outbox_;
    ChatArchive& archive_;
    JoinPolicy& policy_;
    AuditSink& audit_;
    RelayMetrics& metrics_;
    NoRecordings noRecordings_;
    RecordingSink* recordings_ = &noRecordings_;
    RoomLimits limits_;
    std::unordered_map<ConnectionId, Session> sessions_;
    std::unordered_map<std::string, Room> rooms_;
    std::set<std::uint16_t> streamIdsInUse_;
    // Ids start at a random point so that a restarted server does not hand a returning
    // client's stream id to someone else while receivers still hold state for it.
    std::uint16_t nextStreamId_;
    std::uint32_t nextParticipantId_;
    std::uint64_t nextRoomGeneration_ = 1;
    std::size_t participants_ = 0;
};

}  // namespace samspil::server
