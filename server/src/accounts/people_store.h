// Schools, people, their memberships and sign-in sessions in SQLite. Store thread only.
#pragma once

#include "accounts/account_types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

class Database;

struct School {
    std::int64_t id = 0;
    std::string name;
    int recordingRetentionDays = 90;  ///< lesson recordings older than this are deleted
};

/// A person with the hash of their password (only the sign-in path needs it).
struct Credentials {
    Person person;
    std::string passwordHash;
};

struct Member {
    Person person;
    Role role = Role::Student;
};

/// A valid (unexpired, unrevoked) session: a person's, or a guest's from an invite.
struct SessionRecord {
    std::int64_t id = 0;
    std::optional<std::int64_t> personId;
    std::optional<std::int64_t> inviteId;
    std::int64_t expiresAtMs = 0;
};

class PeopleStore {
public:
    explicit PeopleStore(Database& db) : db_(db) {}

    std::int64_t createSchool(std::string_view name);
    std::optional<School> school(std::int64_t id);
    std::vector<School> schools();

    /// Throws StoreError (constraint) when the login is taken.
    std::int64_t createPerson(std::string_view login, std::string_view displayName, std::string_view passwordHash);
    std::optional<Credentials> credentialsByLogin(std::string_view login);
    std::optional<Person> person(std::int64_t id);

    /// How many days the school keeps its lesson recordings.
    void setRecordingRetention(std::int64_t schoolId, int days);
    /// Whether lesson recordings may include this person (the school admin decides).
    void setMayBeRecorded(std::int64_t personId, bool mayBeRecorded);
    /// Adds the person to the school with the role, or changes their role there.
    void setMembership(std::int64_t schoolId, std::int64_t personId, Role role);
    /// Removes a membership; false when there was none.
    bool removeMembership(std::int64_t schoolId, std::int64_t personId);
    std::vector<Membership> memberships(std::int64_t personId);
    std::vector<Member> members(std::int64_t schoolId);
    std::optional<Role> roleIn(std::int64_t schoolId, std::int64_t personId);

    std::int64_t createSession(const std::vector<std::uint8_t>& tokenHash, std::optional<std::int64_t> personId,
                               std::optional<std::int64_t> inviteId, std::int64_t nowMs, std::int64_t expiresAtMs);
    /// The session for a token hash if it is still valid at nowMs.
    std::optional<SessionRecord> validSession(const std::vector<std::uint8_t>& tokenHash, std::int64_t nowMs);
    void revokeSession(std::int64_t sessionId, std::int64_t nowMs);

private:
    Database& db_;
};

}  // namespace samspil::server
