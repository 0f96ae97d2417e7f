// Rooms, lessons and invites in SQLite. Store thread only.
#pragma once

#include "accounts/account_types.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace samspil::server {

class Database;

class RoomCatalog {
public:
    explicit RoomCatalog(Database& db) : db_(db) {}

    /// Throws StoreError (constraint) when the code is taken.
    std::int64_t createRoom(std::string_view code, std::int64_t schoolId, std::int64_t ownerPersonId,
                            std::string_view name, bool dropIn);
    std::optional<RoomRecord> roomByCode(std::string_view code);
    std::optional<RoomRecord> roomById(std::int64_t id);
    std::vector<RoomRecord> roomsOfSchool(std::int64_t schoolId);
    void updateRoom(std::int64_t id, std::string_view name, bool dropIn);

    std::int64_t createLesson(const Lesson& lesson, std::int64_t createdBy);
    std::optional<Lesson> lesson(std::int64_t id);
    bool deleteLesson(std::int64_t id);
    /// Lessons overlapping [fromMs, toMs) in a school; with roomOwner, only in rooms they own.
    std::vector<Lesson> lessonsOfSchool(std::int64_t schoolId, std::int64_t fromMs, std::int64_t toMs,
                                        std::optional<std::int64_t> roomOwner);
    /// Lessons overlapping [fromMs, toMs) that the person takes part in or whose room they own.
    std::vector<Lesson> lessonsOfPerson(std::int64_t personId, std::int64_t fromMs, std::int64_t toMs);
    /// A lesson in the room that the person takes part in, running at nowMs (± margin).
    bool inLessonNow(std::int64_t roomId, std::int64_t personId, std::int64_t nowMs, std::int64_t marginMs);

    std::int64_t createInvite(const Invite& invite, const std::vector<std::uint8_t>& codeHash, std::int64_t createdBy);
    std::optional<Invite> inviteByCodeHash(const std::vector<std::uint8_t>& codeHash);
    std::optional<Invite> invite(std::int64_t id);
    std::vector<Invite> invitesOfRoom(std::int64_t roomId);
    bool revokeInvite(std::int64_t id, std::int64_t nowMs);
    void countInviteUse(std::int64_t id);

private:
    std::vector<Lesson> readLessons(class Statement& statement);

    Database& db_;
};

}  // namespace samspil::server
