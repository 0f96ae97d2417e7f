// The teacher's controls in a room: let in from the waiting room, mute, remove, lock,
// hand over. Enforced here, on the server, pushed to everyone as room_state and peers,
// and written to the audit log. Service thread only.
#include "room_service.h"

#include <algorithm>

namespace samspil::server {

using namespace samspil::protocol;

RoomService::Room* RoomService::roomControlledBy(Session& session) {
    auto it = session.joined() ? rooms_.find(session.room) : rooms_.end();
    if (it == rooms_.end() || it->second.teacher != session.id) {
        sendError(session, ErrorCode::NotAllowed, "only the room's teacher can do that", false);
        return nullptr;
    }
    return &it->second;
}

RoomService::Session* RoomService::findInRoom(const std::vector<ConnectionId>& list, std::uint32_t participantId) {
    for (ConnectionId id : list) {
        auto it = sessions_.find(id);
        if (it != sessions_.end() && it->second.participantId == participantId) return &it->second;
    }
    return nullptr;
}

void RoomService::audit(const Room& room, const Session& actor, std::string action, const Session* target,
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

void RoomService::broadcastRoomState(const Room& room) {
    RoomState state;
    state.locked = room.locked;
    state.recording = recordingState(room);
    if (auto it = sessions_.find(room.teacher); it != sessions_.end()) state.teacherParticipantId = it->second.participantId;
    RoomState full = state;
    for (ConnectionId id : room.waiting) {
        const Session& s = sessions_.at(id);
        full.waiting.push_back({s.participantId, s.name, std::string(roomRoleName(s.role))});
    }
    // Who is waiting is for those who can let them in.
    const std::string forStaff = serialize(ServerMessage{full});
    const std::string forOthers = serialize(ServerMessage{state});
    for (ConnectionId member : room.members) {
        const RoomRole role = sessions_.at(member).role;
        ++metrics_.controlMessagesOut;
        outbox_.sendText(member, role == RoomRole::Teacher || role == RoomRole::Mentor ? forStaff : forOthers);
    }
}

void RoomService::chooseTeacher(Room& room) {
    room.teacher = 0;
    for (ConnectionId id : room.members)
        if (sessions_.at(id).role == RoomRole::Teacher) {
            room.teacher = id;
            send(id, Notice{"now_teacher", "You now hold the room's controls."});
            return;
        }
}

void RoomService::handle(Session& session, const Admit& admit, std::int64_t) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    Session* target = findInRoom(room->waiting, admit.participantId);
    if (!target) return sendError(session, ErrorCode::NotAllowed, "nobody with that id is waiting", false);
    std::erase(room->waiting, target->id);
    audit(*room, session, "room.admit", target);
    enterRoom(*target, *room);
}

void RoomService::handle(Session& session, const Mute& mute, std::int64_t) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    Session* target = findInRoom(room->members, mute.participantId);
    if (!target) return sendError(session, ErrorCode::NotAllowed, "nobody with that id is in the room", false);
    if (target->muted == mute.muted) return;
    target->muted = mute.muted;  // from now on the server drops their audio
    send(target->id, mute.muted ? Notice{"muted", session.name + " has muted you; the others cannot hear you."}
                                : Notice{"unmuted", session.name + " has unmuted you."});
    audit(*room, session, mute.muted ? "room.mute" : "room.unmute", target);
    broadcastPeers(*room);
}

void RoomService::handle(Session& session, const Remove& remove, std::int64_t) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    Session* target = findInRoom(room->members, remove.participantId);
    if (!target) target = findInRoom(room->waiting, remove.participantId);
    if (!target || target == &session)
        return sendError(session, ErrorCode::NotAllowed, "nobody else with that id is in the room", false);
    // Keep them out until the room empties: by account, or by the invite a guest used.
    if (target->personId) room->removedPeople.insert(target->personId);
    if (target->inviteId) room->removedInvites.insert(target->inviteId);
    audit(*room, session, "room.remove", target);
    sendError(*target, ErrorCode::Removed, {}, true);
}

void RoomService::handle(Session& session, const Lock& lock, std::int64_t) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    if (room->locked == lock.locked) return;
    room->locked = lock.locked;
    audit(*room, session, lock.locked ? "room.lock" : "room.unlock", nullptr);
    broadcastRoomState(*room);
}

void RoomService::handle(Session& session, const HandOver& handOver, std::int64_t) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    Session* target = findInRoom(room->members, handOver.participantId);
    if (!target || target == &session || (target->role != RoomRole::Teacher && target->role != RoomRole::Mentor))
        return sendError(session, ErrorCode::NotAllowed, "the controls go to another teacher or mentor in the room",
                         false);
    room->teacher = target->id;
    send(target->id, Notice{"now_teacher", session.name + " has handed you the room's controls."});
    audit(*room, session, "room.hand_over", target);
    broadcastRoomState(*room);
}

}  // namespace samspil::server
