#include "accounts/room_catalog.h"

#include "samspil/time/clock.h"
#include "store/database.h"

namespace samspil::server {
namespace {

constexpr const char* kRoomColumns = "id, code, COALESCE(school_id, 0), COALESCE(owner_person_id, 0), name, drop_in";
constexpr const char* kLessonColumns =
    "l.id, l.school_id, l.room_id, r.code, l.title, l.starts_at_ms, l.ends_at_ms";
constexpr const char* kInviteColumns =
    "id, school_id, room_id, lesson_id, guest_name, created_at_ms, expires_at_ms, single_use, used_count, "
    "revoked_at_ms";

RoomRecord readRoom(const Statement& s) {
    return RoomRecord{s.columnInt(0), s.columnText(1), s.columnInt(2), s.columnInt(3), s.columnText(4),
                      s.columnInt(5) != 0};
}

Invite readInvite(const Statement& s) {
    Invite invite;
    invite.id = s.columnInt(0);
    invite.schoolId = s.columnInt(1);
    invite.roomId = s.columnInt(2);
    invite.lessonId = s.columnOptionalInt(3);
    if (!s.columnIsNull(4)) invite.guestName = s.columnText(4);
    invite.createdAtMs = s.columnInt(5);
    invite.expiresAtMs = s.columnInt(6);
    invite.singleUse = s.columnInt(7) != 0;
    invite.usedCount = static_cast<int>(s.columnInt(8));
    invite.revokedAtMs = s.columnOptionalInt(9);
    return invite;
}

}  // namespace

std::int64_t RoomCatalog::createRoom(std::string_view code, std::int64_t schoolId, std::int64_t ownerPersonId,
                                     std::string_view name, bool dropIn) {
    return db_.prepare(
           "INSERT INTO rooms (code, created_at_ms, school_id, owner_person_id, name, drop_in) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id")
        .bind(1, code)
        .bind(2, unixMillis())
        .bind(3, schoolId)
        .bind(4, ownerPersonId)
        .bind(5, name)
        .bind(6, std::int64_t{dropIn})
        .runReturningInt();
}

std::optional<RoomRecord> RoomCatalog::roomByCode(std::string_view code) {
    auto statement = db_.prepare(std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE code = ?1");
    statement.bind(1, code);
    if (!statement.step()) return std::nullopt;
    return readRoom(statement);
}

std::optional<RoomRecord> RoomCatalog::roomById(std::int64_t id) {
    auto statement = db_.prepare(std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE id = ?1");
    statement.bind(1, id);
    if (!statement.step()) return std::nullopt;
    return readRoom(statement);
}

std::vector<RoomRecord> RoomCatalog::roomsOfSchool(std::int64_t schoolId) {
    std::vector<RoomRecord> out;
    auto statement = db_.prepare(std::string("SELECT ") + kRoomColumns + " FROM rooms WHERE school_id = ?1 ORDER BY code");
    statement.bind(1, schoolId);
    while (statement.step()) out.push_back(readRoom(statement));
    return out;
}

void RoomCatalog::updateRoom(std::int64_t id, std::string_view name, bool dropIn) {
    db_.prepare("UPDATE rooms SET name = ?2, drop_in = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, name)
        .bind(3, std::int64_t{dropIn})
        .run();
}

std::int64_t RoomCatalog::createLesson(const Lesson& lesson, std::int64_t createdBy) {
    const std::int64_t id = db_.prepare(
           "INSERT INTO lessons (school_id, room_id, title, starts_at_ms, ends_at_ms, created_by) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id")
        .bind(1, lesson.schoolId)
        .bind(2, lesson.roomId)
        .bind(3, lesson.title)
        .bind(4, lesson.startsAtMs)
        .bind(5, lesson.endsAtMs)
        .bind(6, createdBy)
        .runReturningInt();
    auto add = db_.prepare("INSERT INTO lesson_participants (lesson_id, person_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    for (std::int64_t person : lesson.participantIds) {
        add.bind(1, id).bind(2, person).run();
        add.reset();
    }
    return id;
}

std::vector<Lesson> RoomCatalog::readLessons(Statement& statement) {
    std::vector<Lesson> out;
    while (statement.step()) {
        Lesson lesson;
        lesson.id = statement.columnInt(0);
        lesson.schoolId = statement.columnInt(1);
        lesson.roomId = statement.columnInt(2);
        lesson.roomCode = statement.columnText(3);
        lesson.title = statement.columnText(4);
        lesson.startsAtMs = statement.columnInt(5);
        lesson.endsAtMs = statement.columnInt(6);
        out.push_back(std::move(lesson));
    }
    auto participants = db_.prepare("SELECT person_id FROM lesson_participants WHERE lesson_id = ?1 ORDER BY person_id");
    for (Lesson& lesson : out) {
        participants.bind(1, lesson.id);
        while (participants.step()) lesson.participantIds.push_back(participants.columnInt(0));
        participants.reset();
    }
    return out;
}

std::optional<Lesson> RoomCatalog::lesson(std::int64_t id) {
    auto statement = db_.prepare(std::string("SELECT ") + kLessonColumns +
                                 " FROM lessons l JOIN rooms r ON r.id = l.room_id WHERE l.id = ?1");
    statement.bind(1, id);
    auto lessons = readLessons(statement);
    if (lessons.empty()) return std::nullopt;
    return lessons.front();
}

bool RoomCatalog::deleteLesson(std::int64_t id) {
    db_.prepare("DELETE FROM lessons WHERE id = ?1").bind(1, id).run();
    return db_.changes() > 0;
}

std::vector<Lesson> RoomCatalog::lessonsOfSchool(std::int64_t schoolId, std::int64_t fromMs, std::int64_t toMs,
                                                 std::optional<std::int64_t> roomOwner) {
    auto statement = db_.prepare(std::string("SELECT ") + kLessonColumns +
                                 " FROM lessons l JOIN rooms r ON r.id = l.room_id WHERE l.school_id = ?1 "
                                 "AND l.starts_at_ms < ?3 AND l.ends_at_ms > ?2 "
                                 "AND (CAST(?4 AS BIGINT) IS NULL OR r.owner_person_id = ?4) ORDER BY l.starts_at_ms, l.id");
    statement.bind(1, schoolId).bind(2, fromMs).bind(3, toMs).bindOptional(4, roomOwner);
    return readLessons(statement);
}

std::vector<Lesson> RoomCatalog::lessonsOfPerson(std::int64_t personId, std::int64_t fromMs, std::int64_t toMs) {
    auto statement = db_.prepare(
        std::string("SELECT ") + kLessonColumns +
        " FROM lessons l JOIN rooms r ON r.id = l.room_id WHERE l.starts_at_ms < ?3 AND l.ends_at_ms > ?2 "
        "AND (r.owner_person_id = ?1 OR EXISTS (SELECT 1 FROM lesson_participants p "
        "WHERE p.lesson_id = l.id AND p.person_id = ?1)) ORDER BY l.starts_at_ms, l.id");
    statement.bind(1, personId).bind(2, fromMs).bind(3, toMs);
    return readLessons(statement);
}

bool RoomCatalog::inLessonNow(std::int64_t roomId, std::int64_t personId, std::int64_t nowMs, std::int64_t marginMs) {
    auto statement = db_.prepare(
        "SELECT 1 FROM lessons l JOIN lesson_participants p ON p.lesson_id = l.id "
        "WHERE l.room_id = ?1 AND p.person_id = ?2 AND l.starts_at_ms - ?4 <= ?3 AND l.ends_at_ms + ?4 >= ?3 "
        "LIMIT 1");
    statement.bind(1, roomId).bind(2, personId).bind(3, nowMs).bind(4, marginMs);
    return statement.step();
}

std::int64_t RoomCatalog::createInvite(const Invite& invite, const std::vector<std::uint8_t>& codeHash,
                                       std::int64_t createdBy) {
    return db_.prepare(
           "INSERT INTO invites (code_hash, school_id, room_id, lesson_id, guest_name, created_by, created_at_ms, "
           "expires_at_ms, single_use) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id")
        .bindBlob(1, codeHash)
        .bind(2, invite.schoolId)
        .bind(3, invite.roomId)
        .bindOptional(4, invite.lessonId)
        .bindOptional(5, invite.guestName)
        .bind(6, createdBy)
        .bind(7, invite.createdAtMs)
        .bind(8, invite.expiresAtMs)
        .bind(9, std::int64_t{invite.singleUse})
        .runReturningInt();
}

std::optional<Invite> RoomCatalog::inviteByCodeHash(const std::vector<std::uint8_t>& codeHash) {
    auto statement = db_.prepare(std::string("SELECT ") + kInviteColumns + " FROM invites WHERE code_hash = ?1");
    statement.bindBlob(1, codeHash);
    if (!statement.step()) return std::nullopt;
    return readInvite(statement);
}

std::optional<Invite> RoomCatalog::invite(std::int64_t id) {
    auto statement = db_.prepare(std::string("SELECT ") + kInviteColumns + " FROM invites WHERE id = ?1");
    statement.bind(1, id);
    if (!statement.step()) return std::nullopt;
    return readInvite(statement);
}

std::vector<Invite> RoomCatalog::invitesOfRoom(std::int64_t roomId) {
    std::vector<Invite> out;
    auto statement = db_.prepare(std::string("SELECT ") + kInviteColumns + " FROM invites WHERE room_id = ?1 ORDER BY id");
    statement.bind(1, roomId);
    while (statement.step()) out.push_back(readInvite(statement));
    return out;
}

bool RoomCatalog::revokeInvite(std::int64_t id, std::int64_t nowMs) {
    db_.prepare("UPDATE invites SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL").bind(1, id).bind(2, nowMs).run();
    return db_.changes() > 0;
}

void RoomCatalog::countInviteUse(std::int64_t id) {
    db_.prepare("UPDATE invites SET used_count = used_count + 1 WHERE id = ?1").bind(1, id).run();
}

}  // namespace samspil::server
