// RoomRoster: who is in which room and what everyone sees of them — the join (through the
// JoinPolicy), the waiting room, the teacher's controls (let in, mute, remove, lock, hand
// over: enforced here, written to the audit log), the peer list and room_state, and stream
// announcements. Membership changes go through here; what follows from them (the welcome,
// history, the grid, a recording's presence list) is RoomService's, through RosterEvents.
// Service thread only.
#pragma once

#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/token_bucket.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace samspil::server {

/// What the roster's decisions set off elsewhere (RoomService). Service thread.
class RosterEvents {
public:
    virtual ~RosterEvents() = default;
    /// A room opened (someone was admitted to a room nobody was in or waiting for).
    virtual void opened(Room& room) = 0;
    /// Let this participant into the room now (a join, or the teacher let them in).
    virtual void enter(Participant& participant, Room& room) = 0;
    /// A member leaves (still listed in the room): components forget their part of them.
    virtual void leaving(Participant& participant, Room& room) = 0;
    /// The room has no members left (people may still be waiting).
    virtual void emptied(Room& room) = 0;
    /// The room is gone: nobody in it or waiting.
    virtual void closed(const Room& room) = 0;
    /// A member announced their stream again (its epoch may have moved).
    virtual void streamAnnounced(Participant& participant) = 0;
    /// What room_state says of the room's recording now.
    virtual std::optional<protocol::RecordingState> recordingState(const Room& room) const = 0;
};

class RoomRoster {
public:
    RoomRoster(RoomDirectory& directory, RoomReplies& replies, RosterEvents& events, JoinPolicy& policy,
               AuditSink& audit, const RoomLimits& limits);

    void handle(Participant& participant, const protocol::JoinRequest& join, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::StreamInfo& stream, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::Admit& admit, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::Mute& mute, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::Remove& remove, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::Lock& lock, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::HandOver& handOver, std::int64_t nowUs);

    /// Makes a participant a member of the room (a stream id, the teacher's seat if free).
    void addMember(Participant& participant, Room& room);
    /// Takes a member or a waiting participant out of their room (the room closes when empty).
    void leave(Participant& participant);

    /// The room whose controls this participant holds; refuses (not_allowed) and gives
    /// nothing when they hold none.
    Room* controlledBy(Participant& participant);
    void audit(const Room& room, const Participant& actor, std::string action, const Participant* target,
               std::string detail = {});
    /// The peer list to every member.
    void broadcastPeers(const Room& room);
    /// room_state to every member (who is waiting: to teachers and mentors only).
    void broadcastRoomState(const Room& room);

    /// Participants in rooms (members, not those waiting).
    std::size_t participantCount() const { return members_; }

private:
    void onAdmitted(ConnectionId id, const std::string& roomCode, Admission admission);
    void chooseTeacher(Room& room);
    std::uint16_t allocateStreamId();

    RoomDirectory& directory_;
    RoomReplies& replies_;
    RosterEvents& events_;
    JoinPolicy& policy_;
    AuditSink& audit_;
    const RoomLimits& limits_;
    std::unordered_map<ConnectionId, TokenBucket> announcements_;  // stream messages, per member
    std::set<std::uint16_t> streamIdsInUse_;
    // Ids start at a random point so that a restarted server does not hand a returning
    // client's stream id to someone else while receivers still hold state for it.
    std::uint16_t nextStreamId_;
    std::uint32_t nextParticipantId_;
    std::size_t members_ = 0;
};

}  // namespace samspil::server
