// RoomDirectory: the rooms and who is in them — one Participant per WebSocket connection
// (from its open to its close) and one Room per room code with anyone in it or waiting.
// The room components (rooms/*.h) read it and keep their own per-participant state beside
// it; only RoomService and RoomRoster change who is where. Service thread only.
#pragma once

#include "relay_types.h"
#include "samspil/protocol/control_message.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace samspil::server {

/// Where a connection stands.
enum class Stage {
    Connected,  ///< open, not (or no longer) in a room
    Admitting,  ///< the join policy is deciding
    Waiting,    ///< in a school room's waiting room
    Joined,     ///< in the room: heard and hearing
    Twin,       ///< a browser's second WebSocket carrying a joined participant's media again
    VideoLink,  ///< a participant's video WebSocket: their video both ways, nothing else
};

/// One connection and, once admitted, the participant it is.
struct Participant {
    ConnectionId id = 0;
    Stage stage = Stage::Connected;
    std::int64_t openedUs = 0;
    std::int64_t lastHeardUs = 0;
    int errors = 0;                ///< bad messages so far (too many close the connection)
    bool closing = false;
    bool warnedNotJoined = false;  ///< told once that media before join is dropped
    // Who they are in the room (from the admission).
    std::string room;
    std::uint32_t participantId = 0;
    std::uint16_t streamId = 0;    ///< stamped on their media by the relay
    std::string name;
    RoomRole role = RoomRole::Participant;
    std::int64_t personId = 0;
    std::int64_t inviteId = 0;
    std::optional<std::string> resumeToken;
    bool mayBeRecorded = true;
    bool muted = false;                          ///< by the teacher: the relay drops their audio
    std::optional<protocol::StreamInfo> stream;  ///< as announced (its times bounded when parsed)
    protocol::CameraState camera = protocol::CameraState::Off;  ///< as they announced it
    bool cameraBlocked = false;                  ///< by the teacher: no video from them

    bool joined() const { return stage == Stage::Joined; }
};

/// A room with anyone in it or waiting.
struct Room {
    std::string code;
    std::uint64_t generation = 0;  ///< tells an answer for an earlier opening of the room from a current one
    std::int64_t schoolId = 0;     ///< 0: an open room, no roles or controls
    bool dropIn = false;
    bool locked = false;
    ConnectionId teacher = 0;      ///< the participant who holds the controls
    std::uint32_t pinned = 0;      ///< the participant id everyone sees large (0: nobody)
    std::vector<ConnectionId> members;
    std::vector<ConnectionId> waiting;
    std::set<std::int64_t> removedPeople;
    std::set<std::int64_t> removedInvites;
};

class RoomDirectory {
public:
    /// A new connection.
    Participant& add(ConnectionId id, std::int64_t nowUs);
    void erase(ConnectionId id) { participants_.erase(id); }
    Participant* find(ConnectionId id);
    const Participant* find(ConnectionId id) const;
    /// A participant known to exist (a member or waiting in a room).
    Participant& at(ConnectionId id) { return participants_.at(id); }
    const Participant& at(ConnectionId id) const { return participants_.at(id); }
    /// The one in `list` with that participant id, if any.
    Participant* findIn(const std::vector<ConnectionId>& list, std::uint32_t participantId);

    Room* findRoom(const std::string& code);
    const Room* findRoom(const std::string& code) const;
    /// The room of a joined or waiting participant.
    Room& roomOf(const Participant& participant) { return rooms_.at(participant.room); }
    /// The room with that code, made (with a new generation) if nobody is in it; true when made.
    std::pair<Room*, bool> openRoom(const std::string& code);
    void closeRoom(const std::string& code) { rooms_.erase(code); }

    std::unordered_map<ConnectionId, Participant>& participants() { return participants_; }
    const std::unordered_map<std::string, Room>& rooms() const { return rooms_; }
    std::unordered_map<std::string, Room>& rooms() { return rooms_; }

private:
    std::unordered_map<ConnectionId, Participant> participants_;
    std::unordered_map<std::string, Room> rooms_;
    std::uint64_t nextGeneration_ = 1;
};

/// What a room component may say to connections; RoomService implements it (and closes a
/// connection after a fatal error). Service thread only.
class RoomReplies {
public:
    virtual ~RoomReplies() = default;
    virtual void send(ConnectionId to, const protocol::ServerMessage& message) = 0;
    /// A message already serialised (one text for many recipients).
    virtual void sendText(ConnectionId to, const std::string& text) = 0;
    /// One message to every member of the room (serialised once).
    virtual void sendToMembers(const Room& room, const protocol::ServerMessage& message) = 0;
    /// An error with its code and detail; a fatal one (or one too many) closes the connection.
    virtual void refuse(ConnectionId to, protocol::ErrorCode code, std::string_view detail = {}, bool fatal = false) = 0;
    /// The fatal `moved` error: the room lives on the node at `url`; the connection closes.
    virtual void refuseMoved(ConnectionId to, const std::string& url) = 0;
};

}  // namespace samspil::server
