// Rooms, lessons and invites.
#include "accounts/credentials.h"
#include "accounts/people_store.h"
#include "accounts/room_catalog.h"
#include "api/api_handlers.h"
#include "api/body_reader.h"
#include "samspil/protocol/validation.h"
#include "store/database.h"

#include <cstdlib>
#include <variant>

namespace samspil::server {
namespace {

using protocol::ErrorCode;

constexpr std::int64_t kMaxLessonMs = 12 * 60 * 60'000;
constexpr std::int64_t kMaxInviteMinutes = 30 * 24 * 60;
constexpr std::int64_t kDefaultInviteMinutes = 24 * 60;

bool canManage(const Caller& caller, const RoomRecord& room) {
    const auto role = caller.roleIn(room.schoolId);
    return role == Role::Admin || (role == Role::Teacher && room.ownerPersonId == caller.person.id);
}

// The room behind an id, if the caller may manage it; else the answer that refuses them.
// A room of a school they are not in is "not found".
std::variant<RoomRecord, ApiResponse> managedRoom(ApiContext& context, std::int64_t roomId) {
    const auto room = RoomCatalog(context.db).roomById(roomId);
    if (!room || room->schoolId == 0 || !context.caller.roleIn(room->schoolId)) return apiError(404, ErrorCode::NotFound);
    if (!canManage(context.caller, *room)) return apiError(403, ErrorCode::NotAllowed);
    return *room;
}

nlohmann::json roomJson(const RoomRecord& room) {
    return {{"id", room.id},
            {"code", room.code},
            {"school_id", room.schoolId},
            {"owner_person_id", room.ownerPersonId},
            {"name", room.name},
            {"drop_in", room.dropIn}};
}

nlohmann::json inviteJson(const Invite& invite) {
    return {{"id", invite.id},
            {"room_id", invite.roomId},
            {"lesson_id", invite.lessonId ? nlohmann::json(*invite.lessonId) : nullptr},
            {"guest_name", invite.guestName ? nlohmann::json(*invite.guestName) : nullptr},
            {"expires_at_ms", invite.expiresAtMs},
            {"single_use", invite.singleUse},
            {"used_count", invite.usedCount},
            {"revoked", invite.revokedAtMs.has_value()}};
}

}  // namespace

ApiResponse listRooms(ApiContext& context) {
    const auto role = context.caller.roleIn(context.ids[0]);
    if (!role) return apiError(404, ErrorCode::NotFound);
    nlohmann::json rooms = nlohmann::json::array();
    for (const RoomRecord& room : RoomCatalog(context.db).roomsOfSchool(context.ids[0]))
        if (*role == Role::Admin || *role == Role::Teacher || room.dropIn) rooms.push_back(roomJson(room));
    return {200, {{"rooms", rooms}}};
}

ApiResponse createRoom(ApiContext& context) {
    const std::int64_t schoolId = context.ids[0];
    const auto role = context.caller.roleIn(schoolId);
    if (!role) return apiError(404, ErrorCode::NotFound);
    if (*role != Role::Admin && *role != Role::Teacher) return apiError(403, ErrorCode::NotAllowed);
    BodyReader body(context.request);
    const std::string code = body.text("code", protocol::kMaxRoomCodeLength);
    const std::string name = body.optionalText("name", 100).value_or("");
    const bool dropIn = body.flag("drop_in", false);
    if (body.ok() && !protocol::isValidRoomCode(code)) body.fail("\"code\" is 1-64 letters, digits, - or _");
    if (!body.ok()) return body.problem();
    RoomCatalog catalog(context.db);
    if (catalog.roomByCode(code)) return apiError(409, ErrorCode::Conflict, "room code taken");
    Transaction transaction(context.db);
    const std::int64_t id = catalog.createRoom(code, schoolId, context.caller.person.id, name, dropIn);
    auditAction(context, schoolId, "room.create", "room:" + code, dropIn ? "drop-in" : "");
    transaction.commit();
    return {201, roomJson(*catalog.roomById(id))};
}

ApiResponse changeRoom(ApiContext& context) {
    auto found = managedRoom(context, context.ids[0]);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    RoomRecord room = std::get<RoomRecord>(found);
    BodyReader body(context.request);
    room.name = body.optionalText("name", 100).value_or(room.name);
    room.dropIn = body.flag("drop_in", room.dropIn);
    if (!body.ok()) return body.problem();
    RoomCatalog(context.db).updateRoom(room.id, room.name, room.dropIn);
    auditAction(context, room.schoolId, "room.update", "room:" + room.code, room.dropIn ? "drop-in" : "lessons only");
    return {200, roomJson(room)};
}

ApiResponse listLessons(ApiContext& context) {
    const auto role = context.caller.roleIn(context.ids[0]);
    if (!role) return apiError(404, ErrorCode::NotFound);
    if (*role != Role::Admin && *role != Role::Teacher) return apiError(403, ErrorCode::NotAllowed);
    const std::int64_t from = queryInteger(context.request, "from", 0);
    const std::int64_t to = queryInteger(context.request, "to", INT64_MAX);
    std::optional<std::int64_t> owner;
    if (*role == Role::Teacher) owner = context.caller.person.id;
    nlohmann::json lessons = nlohmann::json::array();
    for (const Lesson& lesson : RoomCatalog(context.db).lessonsOfSchool(context.ids[0], from, to, owner))
        lessons.push_back(lessonJson(lesson));
    return {200, {{"lessons", lessons}}};
}

ApiResponse createLesson(ApiContext& context) {
    const std::int64_t schoolId = context.ids[0];
    if (!context.caller.roleIn(schoolId)) return apiError(404, ErrorCode::NotFound);
    BodyReader body(context.request);
    Lesson lesson;
    lesson.schoolId = schoolId;
    lesson.roomId = body.integer("room_id");
    lesson.title = body.text("title", 200);
    lesson.startsAtMs = body.integer("starts_at_ms");
    lesson.endsAtMs = body.integer("ends_at_ms");
    lesson.participantIds = body.integers("participant_ids");
    if (body.ok() && lesson.title.empty()) body.fail("\"title\" must not be empty");
    if (body.ok() && (lesson.endsAtMs <= lesson.startsAtMs || lesson.endsAtMs - lesson.startsAtMs > kMaxLessonMs))
        body.fail("a lesson ends after it starts, within 12 hours");
    if (!body.ok()) return body.problem();
    auto found = managedRoom(context, lesson.roomId);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    if (std::get<RoomRecord>(found).schoolId != schoolId) return apiError(404, ErrorCode::NotFound);
    PeopleStore people(context.db);
    for (std::int64_t person : lesson.participantIds)
        if (!people.roleIn(schoolId, person))
            return apiError(400, ErrorCode::BadMessage, "participant " + std::to_string(person) + " is not in this school");
    Transaction transaction(context.db);
    lesson.id = RoomCatalog(context.db).createLesson(lesson, context.caller.person.id);
    auditAction(context, schoolId, "lesson.create", "lesson:" + std::to_string(lesson.id), lesson.title);
    transaction.commit();
    return {201, lessonJson(*RoomCatalog(context.db).lesson(lesson.id))};
}

ApiResponse deleteLesson(ApiContext& context) {
    RoomCatalog catalog(context.db);
    const auto lesson = catalog.lesson(context.ids[0]);
    if (!lesson || !context.caller.roleIn(lesson->schoolId)) return apiError(404, ErrorCode::NotFound);
    auto found = managedRoom(context, lesson->roomId);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    catalog.deleteLesson(lesson->id);
    auditAction(context, lesson->schoolId, "lesson.delete", "lesson:" + std::to_string(lesson->id), lesson->title);
    return {204, nullptr};
}

ApiResponse listInvites(ApiContext& context) {
    auto found = managedRoom(context, context.ids[0]);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    nlohmann::json invites = nlohmann::json::array();
    for (const Invite& invite : RoomCatalog(context.db).invitesOfRoom(context.ids[0])) invites.push_back(inviteJson(invite));
    return {200, {{"invites", invites}}};
}

ApiResponse createInvite(ApiContext& context) {
    auto found = managedRoom(context, context.ids[0]);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    const RoomRecord& room = std::get<RoomRecord>(found);
    BodyReader body(context.request);
    Invite invite;
    invite.schoolId = room.schoolId;
    invite.roomId = room.id;
    invite.lessonId = body.optionalInteger("lesson_id");
    invite.guestName = body.optionalText("guest_name", protocol::kMaxNameLength);
    invite.singleUse = body.flag("single_use", true);
    const std::int64_t minutes = body.optionalInteger("expires_in_minutes").value_or(kDefaultInviteMinutes);
    if (body.ok() && (minutes < 1 || minutes > kMaxInviteMinutes)) body.fail("\"expires_in_minutes\" is 1 to 43200");
    if (body.ok() && invite.guestName && !protocol::normalizeDisplayName(*invite.guestName))
        body.fail("\"guest_name\" is not a valid name");
    if (!body.ok()) return body.problem();
    if (invite.lessonId) {
        const auto lesson = RoomCatalog(context.db).lesson(*invite.lessonId);
        if (!lesson || lesson->roomId != room.id) return apiError(400, ErrorCode::BadMessage, "the lesson is not in this room");
    }
    invite.createdAtMs = context.nowMs;
    invite.expiresAtMs = context.nowMs + minutes * 60'000;
    // The code is shown once, here; only its hash is kept.
    const std::string code = makeInviteCode();
    Transaction transaction(context.db);
    invite.id = RoomCatalog(context.db).createInvite(invite, secretHash(normaliseInviteCode(code)), context.caller.person.id);
    auditAction(context, room.schoolId, "invite.create", "room:" + room.code + " invite:" + std::to_string(invite.id),
                invite.guestName.value_or(""));
    transaction.commit();
    nlohmann::json json = inviteJson(invite);
    json["code"] = code;
    json["room_code"] = room.code;
    const std::string host = context.request.host.empty() ? std::string("localhost") : context.request.host;
    json["link"] = "samspil://" + host + "/join?room=" + room.code + "&invite=" + code;
    // The same invite as an ordinary web link: the browser client joins from it.
    json["web_link"] = std::string(context.request.secure ? "https://" : "http://") + host + "/join/" + code;
    return {201, json};
}

ApiResponse revokeInvite(ApiContext& context) {
    RoomCatalog catalog(context.db);
    const auto invite = catalog.invite(context.ids[0]);
    if (!invite || !context.caller.roleIn(invite->schoolId)) return apiError(404, ErrorCode::NotFound);
    auto found = managedRoom(context, invite->roomId);
    if (auto* refusal = std::get_if<ApiResponse>(&found)) return *refusal;
    catalog.revokeInvite(invite->id, context.nowMs);
    auditAction(context, invite->schoolId, "invite.revoke", "invite:" + std::to_string(invite->id));
    return {204, nullptr};
}

}  // namespace samspil::server
