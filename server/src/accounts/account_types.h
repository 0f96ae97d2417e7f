// What the accounts layer knows about schools, people, rooms, lessons and invites.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

/// A person's role in one school.
enum class Role { Admin, Teacher, Student, Mentor };

std::string_view roleName(Role role);                     ///< "admin", "teacher", ...
std::optional<Role> roleFromName(std::string_view name);  ///< nullopt for anything else

struct Person {
    std::int64_t id = 0;
    std::string login;
    std::string displayName;
    bool mayBeRecorded = true;  ///< false: left out of lesson recordings (e.g. no guardian's consent)
};

struct Membership {
    std::int64_t schoolId = 0;
    std::string schoolName;
    Role role = Role::Student;
};

/// Who is making a request: a signed-in person and the schools they belong to.
struct Caller {
    Person person;
    std::vector<Membership> memberships;
    std::int64_t sessionId = 0;

    /// The caller's role in a school, or nullopt when they are not a member of it.
    std::optional<Role> roleIn(std::int64_t schoolId) const;
};

/// A room as stored. schoolId 0 means an open room from before accounts existed.
struct RoomRecord {
    std::int64_t id = 0;
    std::string code;
    std::int64_t schoolId = 0;
    std::int64_t ownerPersonId = 0;
    std::string name;
    bool dropIn = false;
};

struct Lesson {
    std::int64_t id = 0;
    std::int64_t schoolId = 0;
    std::int64_t roomId = 0;
    std::string roomCode;
    std::string title;
    std::int64_t startsAtMs = 0;
    std::int64_t endsAtMs = 0;
    std::vector<std::int64_t> participantIds;
};

struct Invite {
    std::int64_t id = 0;
    std::int64_t schoolId = 0;
    std::int64_t roomId = 0;
    std::optional<std::int64_t> lessonId;
    std::optional<std::string> guestName;
    std::int64_t createdAtMs = 0;
    std::int64_t expiresAtMs = 0;
    bool singleUse = false;
    int usedCount = 0;
    std::optional<std::int64_t> revokedAtMs;
};

}  // namespace samspil::server
