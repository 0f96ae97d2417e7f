#include "rooms/room_roster.h"

#include "samspil/protocol/validation.h"

#include <algorithm>
#include <random>

namespace samspil::server {

using namespace samspil::protocol;

RoomRoster::RoomRoster(RoomDirectory& directory, RoomReplies& replies, RosterEvents& events, JoinPolicy& policy,
                       AuditSink& audit, const RoomLimits& limits)
    : directory_(directory), replies_(replies), events_(events), policy_(policy), audit_(audit), limits_(limits) {
    std::random_device random;
    nextStreamId_ = static_cast<std::uint16_t>(1 + random() % 65535);
    nextParticipantId_ = 1 + random() % 0x7FFFFFFF;
}

// ---- joining -------------------------------------------------------------------------------

void RoomRoster::handle(Participant& participant, const JoinRequest& join, std::int64_t) {
    if (participant.stage != Stage::Connected) return replies_.refuse(participant.id, ErrorCode::AlreadyJoined);
    if (!isValidRoomCode(join.room)) return replies_.refuse(participant.id, ErrorCode::InvalidRoom, {}, true);
    if (!normalizeDisplayName(join.name)) return replies_.refuse(participant.id, ErrorCode::InvalidName, {}, true);
    participant.stage = Stage::Admitting;
    // The policy may look up accounts on another thread; the answer comes back here.
    policy_.admit(join, [this, id = participant.id, room = join.room](Admission admission) {
        onAdmitted(id, room, std::move(admission));
    });
}

void RoomRoster::onAdmitted(ConnectionId id, const std::string& roomCode, Admission admission) {
    Participant* found = directory_.find(id);
    if (!found || found->closing || found->stage != Stage::Admitting) return;
    Participant& participant = *found;
    participant.stage = Stage::Connected;
    if (admission.refusal && !admission.refusal->movedTo.empty()) return replies_.refuseMoved(id, admission.refusal->movedTo);
    if (admission.refusal) return replies_.refuse(id, admission.refusal->code, admission.refusal->detail, true);

    const auto opened = directory_.openRoom(roomCode);
    Room* room = opened.first;  // (no structured binding: the lambda below uses it)
    if (opened.second) events_.opened(*room);
    if (room->members.empty() && room->waiting.empty()) {  // a fresh room takes its settings from the admission
        room->schoolId = admission.schoolId;
        room->dropIn = admission.dropIn;
    }
    const bool teacher = admission.role == RoomRole::Teacher;
    const auto refuse = [&](ErrorCode code) {
        if (room->members.empty() && room->waiting.empty()) {  // nobody else: the room was only opened for this
            events_.closed(*room);
            policy_.roomClosed(roomCode);
            directory_.closeRoom(roomCode);
        }
        replies_.refuse(id, code, {}, true);
    };
    if ((admission.personId && room->removedPeople.count(admission.personId)) ||
        (admission.inviteId && room->removedInvites.count(admission.inviteId)))
        return refuse(ErrorCode::Removed);
    if (room->locked && !teacher) return refuse(ErrorCode::RoomLocked);
    if (room->members.size() + room->waiting.size() >= limits_.maxParticipantsPerRoom) return refuse(ErrorCode::RoomFull);

    participant.room = roomCode;
    participant.name = admission.displayName;
    participant.role = admission.role;
    participant.personId = admission.personId;
    participant.inviteId = admission.inviteId;
    participant.resumeToken = admission.resumeToken;
    participant.mayBeRecorded = admission.mayBeRecorded;
    participant.participantId = nextParticipantId_++;

    const bool mustWait = room->schoolId != 0 && !room->dropIn && !teacher;
    if (mustWait) {
        participant.stage = Stage::Waiting;
        room->waiting.push_back(participant.id);
        replies_.send(participant.id, Waiting{room->code, participant.participantId});
        broadcastRoomState(*room);
        return;
    }
    events_.enter(participant, *room);
}

void RoomRoster::addMember(Participant& participant, Room& room) {
    participant.stage = Stage::Joined;
    participant.streamId = allocateStreamId();
    room.members.push_back(participant.id);
    ++members_;
    announcements_[participant.id] = TokenBucket(limits_.streamBurst, limits_.streamPerSecond, participant.lastHeardUs);
    if (room.schoolId != 0 && room.teacher == 0 && participant.role == RoomRole::Teacher) room.teacher = participant.id;
}

void RoomRoster::leave(Participant& participant) {
    const Stage stage = participant.stage;
    if (stage != Stage::Joined && stage != Stage::Waiting) return;
    Room* room = directory_.findRoom(participant.room);
    if (stage == Stage::Joined && room) events_.leaving(participant, *room);
    participant.stage = Stage::Connected;
    if (stage == Stage::Joined) {
        --members_;
        streamIdsInUse_.erase(participant.streamId);
        announcements_.erase(participant.id);
    }
    if (!room) return;
    std::erase(room->members, participant.id);
    std::erase(room->waiting, participant.id);
    if (room->members.empty()) events_.emptied(*room);  // nobody left to record
    if (room->members.empty() && room->waiting.empty()) {
        events_.closed(*room);
        policy_.roomClosed(room->code);
        directory_.closeRoom(room->code);  // chat stays in the database; a later join reloads it
        return;
    }
    if (room->teacher == participant.id) chooseTeacher(*room);
    if (stage == Stage::Joined) broadcastPeers(*room);
    if (room->schoolId != 0) broadcastRoomState(*room);
}

// ---- what everyone sees ----------------------------------------------------------------

void RoomRoster::handle(Participant& participant, const StreamInfo& stream, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    // Each announcement re-sends the peer list to the whole room: a sane rate only.
    if (!announcements_[participant.id].take(1, nowUs)) return replies_.refuse(participant.id, ErrorCode::RateLimited, "stream");
    participant.stream = stream;
    events_.streamAnnounced(participant);
    broadcastPeers(directory_.roomOf(participant));
}

void RoomRoster::broadcastPeers(const Room& room) {
    PeerList list;
    for (ConnectionId member : room.members) {
        const Participant& p = directory_.at(member);
        list.peers.push_back(PeerInfo{p.participantId, p.streamId, p.name, p.stream, std::string(roomRoleName(p.role)), p.muted,
                                      p.camera, p.cameraBlocked});
    }
    replies_.sendToMembers(room, ServerMessage{std::move(list)});
}

void RoomRoster::broadcastRoomState(const Room& room) {
    RoomState state;
    state.locked = room.locked;
    state.recording = events_.recordingState(room);
    state.pinnedParticipantId = room.pinned;
    if (const Participant* teacher = directory_.find(room.teacher)) state.teacherParticipantId = teacher->participantId;
    RoomState full = state;
    for (ConnectionId id : room.waiting) {
        const Participant& p = directory_.at(id);
        full.waiting.push_back({p.participantId, p.name, std::string(roomRoleName(p.role))});
    }
    // Who is waiting is for those who can let them in.
    const std::string forStaff = serialize(ServerMessage{full});
    const std::string forOthers = serialize(ServerMessage{state});
    for (ConnectionId member : room.members) {
        const RoomRole role = directory_.at(member).role;
        replies_.sendText(member, role == RoomRole::Teacher || role == RoomRole::Mentor ? forStaff : forOthers);
    }
}

// ---- the teacher's controls --------------------------------------------------------------

Room* RoomRoster::controlledBy(Participant& participant) {
    Room* room = participant.joined() ? directory_.findRoom(participant.room) : nullptr;
    if (!room || room->teacher != participant.id) {
        replies_.refuse(participant.id, ErrorCode::NotAllowed, "only the room's teacher can do that");
        return nullptr;
    }
    return room;
}

void RoomRoster::audit(const Room& room, const Participant& actor, std::string action, const Participant* target,
                       std::string detail) {
    AuditEntry entry;
    entry.schoolId = room.schoolId;
    if (actor.personId) entry.actorPersonId = actor.personId;
    entry.actorName = actor.name;
    entry.action = std::move(action);
    entry.target = "room:" + room.code;
    if (target)
        entry.target += target->personId ? " person:" + std::to_string(target->personId)
                                         : " guest:" + std::to_string(target->inviteId) + " (" + target->name + ")";
    entry.detail = std::move(detail);
    audit_.record(entry);
}

void RoomRoster::chooseTeacher(Room& room) {
    room.teacher = 0;
    for (ConnectionId id : room.members)
        if (directory_.at(id).role == RoomRole::Teacher) {
            room.teacher = id;
            replies_.send(id, Notice{"now_teacher", "You now hold the room's controls."});
            return;
        }
}

void RoomRoster::handle(Participant& participant, const Admit& admit, std::int64_t) {
    Room* room = controlledBy(participant);
    if (!room) return;
    Participant* target = directory_.findIn(room->waiting, admit.participantId);
    if (!target) return replies_.refuse(participant.id, ErrorCode::NotAllowed, "nobody with that id is waiting");
    std::erase(room->waiting, target->id);
    audit(*room, participant, "room.admit", target);
    events_.enter(*target, *room);
}

void RoomRoster::handle(Participant& participant, const Mute& mute, std::int64_t) {
    Room* room = controlledBy(participant);
    if (!room) return;
    Participant* target = directory_.findIn(room->members, mute.participantId);
    if (!target) return replies_.refuse(participant.id, ErrorCode::NotAllowed, "nobody with that id is in the room");
    if (target->muted == mute.muted) return;
    target->muted = mute.muted;  // from now on the relay drops their audio
    replies_.send(target->id, mute.muted ? Notice{"muted", participant.name + " has muted you; the others cannot hear you."}
                                         : Notice{"unmuted", participant.name + " has unmuted you."});
    audit(*room, participant, mute.muted ? "room.mute" : "room.unmute", target);
    broadcastPeers(*room);
}

void RoomRoster::handle(Participant& participant, const Remove& remove, std::int64_t) {
    Room* room = controlledBy(participant);
    if (!room) return;
    Participant* target = directory_.findIn(room->members, remove.participantId);
    if (!target) target = directory_.findIn(room->waiting, remove.participantId);
    if (!target || target == &participant)
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "nobody else with that id is in the room");
    // Keep them out until the room empties: by account, or by the invite a guest used.
    if (target->personId) room->removedPeople.insert(target->personId);
    if (target->inviteId) room->removedInvites.insert(target->inviteId);
    audit(*room, participant, "room.remove", target);
    replies_.refuse(target->id, ErrorCode::Removed, {}, true);
}

void RoomRoster::handle(Participant& participant, const Lock& lock, std::int64_t) {
    Room* room = controlledBy(participant);
    if (!room) return;
    if (room->locked == lock.locked) return;
    room->locked = lock.locked;
    audit(*room, participant, lock.locked ? "room.lock" : "room.unlock", nullptr);
    broadcastRoomState(*room);
}

void RoomRoster::handle(Participant& participant, const HandOver& handOver, std::int64_t) {
    Room* room = controlledBy(participant);
    if (!room) return;
    Participant* target = directory_.findIn(room->members, handOver.participantId);
    if (!target || target == &participant || (target->role != RoomRole::Teacher && target->role != RoomRole::Mentor))
        return replies_.refuse(participant.id, ErrorCode::NotAllowed,
                               "the controls go to another teacher or mentor in the room");
    room->teacher = target->id;
    replies_.send(target->id, Notice{"now_teacher", participant.name + " has handed you the room's controls."});
    audit(*room, participant, "room.hand_over", target);
    broadcastRoomState(*room);
}

std::uint16_t RoomRoster::allocateStreamId() {
    // 65535 ids, never 0; skip those in use (a room never holds anywhere near that many).
    while (nextStreamId_ == 0 || streamIdsInUse_.count(nextStreamId_)) ++nextStreamId_;
    const std::uint16_t id = nextStreamId_++;
    streamIdsInUse_.insert(id);
    return id;
}

}  // namespace samspil::server
