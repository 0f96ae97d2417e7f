#include "accounts/people_store.h"

#include "samspil/time/clock.h"
#include "store/database.h"

namespace samspil::server {

std::int64_t PeopleStore::createSchool(std::string_view name) {
    return db_.prepare("INSERT INTO schools (name, created_at_ms) VALUES (?1, ?2) RETURNING id")
        .bind(1, name)
        .bind(2, unixMillis())
        .runReturningInt();
}

std::optional<School> PeopleStore::school(std::int64_t id) {
    auto statement = db_.prepare("SELECT id, name, recording_retention_days FROM schools WHERE id = ?1");
    statement.bind(1, id);
    if (!statement.step()) return std::nullopt;
    return School{statement.columnInt(0), statement.columnText(1), static_cast<int>(statement.columnInt(2))};
}

void PeopleStore::setRecordingRetention(std::int64_t schoolId, int days) {
    db_.prepare("UPDATE schools SET recording_retention_days = ?2 WHERE id = ?1").bind(1, schoolId).bind(2, std::int64_t{days}).run();
}

std::vector<School> PeopleStore::schools() {
    std::vector<School> out;
    auto statement = db_.prepare("SELECT id, name FROM schools ORDER BY id");
    while (statement.step()) out.push_back({statement.columnInt(0), statement.columnText(1)});
    return out;
}

std::int64_t PeopleStore::createPerson(std::string_view login, std::string_view displayName,
                                       std::string_view passwordHash) {
    return db_.prepare(
           "INSERT INTO people (login, display_name, password_hash, created_at_ms) VALUES (?1, ?2, ?3, ?4) RETURNING id")
        .bind(1, login)
        .bind(2, displayName)
        .bind(3, passwordHash)
        .bind(4, unixMillis())
        .runReturningInt();
}

std::optional<Credentials> PeopleStore::credentialsByLogin(std::string_view login) {
    auto statement = db_.prepare("SELECT id, login, display_name, password_hash FROM people WHERE lower(login) = lower(?1)");
    statement.bind(1, login);
    if (!statement.step()) return std::nullopt;
    return Credentials{{statement.columnInt(0), statement.columnText(1), statement.columnText(2)}, statement.columnText(3)};
}

std::optional<Person> PeopleStore::person(std::int64_t id) {
    auto statement = db_.prepare("SELECT id, login, display_name, may_be_recorded FROM people WHERE id = ?1");
    statement.bind(1, id);
    if (!statement.step()) return std::nullopt;
    return Person{statement.columnInt(0), statement.columnText(1), statement.columnText(2), statement.columnInt(3) != 0};
}

void PeopleStore::setMayBeRecorded(std::int64_t personId, bool mayBeRecorded) {
    db_.prepare("UPDATE people SET may_be_recorded = ?2 WHERE id = ?1").bind(1, personId).bind(2, std::int64_t{mayBeRecorded}).run();
}

void PeopleStore::setMembership(std::int64_t schoolId, std::int64_t personId, Role role) {
    db_.prepare(
           "INSERT INTO memberships (school_id, person_id, role) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (school_id, person_id) DO UPDATE SET role = excluded.role")
        .bind(1, schoolId)
        .bind(2, personId)
        .bind(3, roleName(role))
        .run();
}

bool PeopleStore::removeMembership(std::int64_t schoolId, std::int64_t personId) {
    db_.prepare("DELETE FROM memberships WHERE school_id = ?1 AND person_id = ?2").bind(1, schoolId).bind(2, personId).run();
    return db_.changes() > 0;
}

std::vector<Membership> PeopleStore::memberships(std::int64_t personId) {
    std::vector<Membership> out;
    auto statement = db_.prepare(
        "SELECT m.school_id, s.name, m.role FROM memberships m JOIN schools s ON s.id = m.school_id "
        "WHERE m.person_id = ?1 ORDER BY m.school_id");
    statement.bind(1, personId);
    while (statement.step())
        out.push_back({statement.columnInt(0), statement.columnText(1),
                       roleFromName(statement.columnText(2)).value_or(Role::Student)});
    return out;
}

std::vector<Member> PeopleStore::members(std::int64_t schoolId) {
    std::vector<Member> out;
    auto statement = db_.prepare(
        "SELECT p.id, p.login, p.display_name, m.role FROM memberships m JOIN people p ON p.id = m.person_id "
        "WHERE m.school_id = ?1 ORDER BY p.display_name, p.id");
    statement.bind(1, schoolId);
    while (statement.step())
        out.push_back({{statement.columnInt(0), statement.columnText(1), statement.columnText(2)},
                       roleFromName(statement.columnText(3)).value_or(Role::Student)});
    return out;
}

std::optional<Role> PeopleStore::roleIn(std::int64_t schoolId, std::int64_t personId) {
    auto statement = db_.prepare("SELECT role FROM memberships WHERE school_id = ?1 AND person_id = ?2");
    statement.bind(1, schoolId).bind(2, personId);
    if (!statement.step()) return std::nullopt;
    return roleFromName(statement.columnText(0));
}

std::int64_t PeopleStore::createSession(const std::vector<std::uint8_t>& tokenHash, std::optional<std::int64_t> personId,
                                        std::optional<std::int64_t> inviteId, std::int64_t nowMs,
                                        std::int64_t expiresAtMs) {
    return db_.prepare(
           "INSERT INTO sessions (token_hash, person_id, invite_id, created_at_ms, expires_at_ms) "
           "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id")
        .bindBlob(1, tokenHash)
        .bindOptional(2, personId)
        .bindOptional(3, inviteId)
        .bind(4, nowMs)
        .bind(5, expiresAtMs)
        .runReturningInt();
}

std::optional<SessionRecord> PeopleStore::validSession(const std::vector<std::uint8_t>& tokenHash, std::int64_t nowMs) {
    auto statement = db_.prepare(
        "SELECT id, person_id, invite_id, expires_at_ms FROM sessions "
        "WHERE token_hash = ?1 AND revoked_at_ms IS NULL AND expires_at_ms > ?2");
    statement.bindBlob(1, tokenHash).bind(2, nowMs);
    if (!statement.step()) return std::nullopt;
    return SessionRecord{statement.columnInt(0), statement.columnOptionalInt(1), statement.columnOptionalInt(2),
                         statement.columnInt(3)};
}

void PeopleStore::revokeSession(std::int64_t sessionId, std::int64_t nowMs) {
    db_.prepare("UPDATE sessions SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL")
        .bind(1, sessionId)
        .bind(2, nowMs)
        .run();
}

}  // namespace samspil::server
