// Schools and their people: members, roles, the audit log.
#include "accounts/audit_log.h"
#include "accounts/people_store.h"
#include "api/api_handlers.h"
#include "api/body_reader.h"
#include "samspil/protocol/validation.h"
#include "store/database.h"

namespace samspil::server {
namespace {

using protocol::ErrorCode;

constexpr std::size_t kMaxLogin = 254;
constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 1024;

// The caller's role in the school of the path, or the answer that refuses them. A school
// they are not in is "not found": they do not learn that it exists.
std::optional<ApiResponse> refuseUnless(ApiContext& context, std::initializer_list<Role> allowed, Role& role) {
    const auto found = context.caller.roleIn(context.ids.at(0));
    if (!found) return apiError(404, ErrorCode::NotFound);
    for (Role r : allowed)
        if (r == *found) {
            role = r;
            return std::nullopt;
        }
    return apiError(403, ErrorCode::NotAllowed);
}

bool validLogin(const std::string& login) {
    if (login.empty() || login.size() > kMaxLogin) return false;
    for (unsigned char c : login)
        if (c <= ' ' || c == 0x7F) return false;
    return protocol::utf8Length(login).has_value();
}

}  // namespace

ApiResponse getSchool(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin, Role::Teacher, Role::Student, Role::Mentor}, role))
        return *refusal;
    const auto school = PeopleStore(context.db).school(context.ids[0]);
    if (!school) return apiError(404, ErrorCode::NotFound);
    return {200,
            {{"id", school->id},
             {"name", school->name},
             {"your_role", roleName(role)},
             {"recording_retention_days", school->recordingRetentionDays}}};
}

ApiResponse changeSchool(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin}, role)) return *refusal;
    BodyReader body(context.request);
    const std::int64_t days = body.integer("recording_retention_days");
    if (body.ok() && (days < 1 || days > 3650)) body.fail("\"recording_retention_days\" must be from 1 to 3650");
    if (!body.ok()) return body.problem();
    PeopleStore people(context.db);
    people.setRecordingRetention(context.ids[0], static_cast<int>(days));
    auditAction(context, context.ids[0], "school.recording_retention", "school:" + std::to_string(context.ids[0]),
                std::to_string(days) + " days");
    return getSchool(context);
}

ApiResponse listMembers(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin, Role::Teacher}, role)) return *refusal;
    nlohmann::json members = nlohmann::json::array();
    for (const Member& member : PeopleStore(context.db).members(context.ids[0])) {
        auto json = personJson(member.person);
        json["role"] = roleName(member.role);
        members.push_back(json);
    }
    return {200, {{"members", members}}};
}

ApiResponse checkNewMember(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin}, role)) return *refusal;
    BodyReader body(context.request);
    const std::string login = body.text("login", kMaxLogin);
    const std::string name = body.text("display_name", protocol::kMaxNameLength);
    const std::string password = body.text("password", kMaxPassword);
    const std::string roleText = body.text("role", 16);
    if (body.ok() && !validLogin(login)) body.fail("\"login\" must be 1-254 characters without spaces");
    if (body.ok() && !protocol::normalizeDisplayName(name)) body.fail("\"display_name\" is not a valid name");
    if (body.ok() && password.size() < kMinPassword) body.fail("\"password\" must be at least 8 characters");
    if (body.ok() && !roleFromName(roleText)) body.fail("\"role\" must be admin, teacher, student or mentor");
    if (!body.ok()) return body.problem();
    return {100, nullptr};  // go on: hash the password, then addMember
}

ApiResponse addMember(ApiContext& context, const std::string& passwordHash) {
    const auto& body = context.request.body;
    const std::string login = body["login"].get<std::string>();
    const std::string name = *protocol::normalizeDisplayName(body["display_name"].get<std::string>());
    const Role role = *roleFromName(body["role"].get<std::string>());
    const std::int64_t schoolId = context.ids[0];
    PeopleStore people(context.db);
    Transaction transaction(context.db);
    // One person may belong to several schools: an existing login gets the membership and
    // keeps their own name and password. The answer is the same either way.
    std::int64_t personId;
    if (const auto existing = people.credentialsByLogin(login))
        personId = existing->person.id;
    else
        personId = people.createPerson(login, name, passwordHash);
    if (people.roleIn(schoolId, personId)) return apiError(409, ErrorCode::Conflict, "already a member");
    people.setMembership(schoolId, personId, role);
    auditAction(context, schoolId, "member.add", "person:" + std::to_string(personId), std::string(roleName(role)));
    transaction.commit();
    return {201, {{"person_id", personId}, {"login", login}, {"role", roleName(role)}}};
}

ApiResponse changeMember(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin}, role)) return *refusal;
    BodyReader body(context.request);
    // Either or both: the person's role in the school, and whether they may be recorded
    // (e.g. false while a guardian's consent is missing).
    const auto roleText = body.optionalText("role", 16);
    const auto mayBeRecorded = body.optionalFlag("may_be_recorded");
    std::optional<Role> newRole;
    if (roleText && !(newRole = roleFromName(*roleText))) body.fail("\"role\" must be admin, teacher, student or mentor");
    if (body.ok() && !roleText && !mayBeRecorded) body.fail("give \"role\", \"may_be_recorded\" or both");
    if (!body.ok()) return body.problem();
    const std::int64_t schoolId = context.ids[0], personId = context.ids[1];
    PeopleStore people(context.db);
    const auto currentRole = people.roleIn(schoolId, personId);
    if (!currentRole) return apiError(404, ErrorCode::NotFound);
    if (newRole && personId == context.caller.person.id && *newRole != Role::Admin)
        return apiError(409, ErrorCode::Conflict, "an admin cannot take away their own admin role");
    const std::string target = "person:" + std::to_string(personId);
    if (newRole) {
        people.setMembership(schoolId, personId, *newRole);
        auditAction(context, schoolId, "member.role", target, std::string(roleName(*newRole)));
    }
    if (mayBeRecorded) {
        people.setMayBeRecorded(personId, *mayBeRecorded);
        auditAction(context, schoolId, "member.may_be_recorded", target, *mayBeRecorded ? "true" : "false");
    }
    return {200,
            {{"person_id", personId},
             {"role", roleName(newRole.value_or(*currentRole))},
             {"may_be_recorded", people.person(personId)->mayBeRecorded}}};
}

ApiResponse removeMember(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin}, role)) return *refusal;
    const std::int64_t schoolId = context.ids[0], personId = context.ids[1];
    if (personId == context.caller.person.id)
        return apiError(409, ErrorCode::Conflict, "an admin cannot remove themselves");
    if (!PeopleStore(context.db).removeMembership(schoolId, personId)) return apiError(404, ErrorCode::NotFound);
    auditAction(context, schoolId, "member.remove", "person:" + std::to_string(personId));
    return {204, nullptr};
}

ApiResponse listAudit(ApiContext& context) {
    Role role;
    if (auto refusal = refuseUnless(context, {Role::Admin}, role)) return *refusal;
    nlohmann::json entries = nlohmann::json::array();
    for (const AuditEntry& entry : AuditLog(context.db).ofSchool(context.ids[0], 500))
        entries.push_back({{"id", entry.id},
                           {"at_ms", entry.atMs},
                           {"actor_person_id", entry.actorPersonId ? nlohmann::json(*entry.actorPersonId) : nullptr},
                           {"actor_name", entry.actorName},
                           {"action", entry.action},
                           {"target", entry.target},
                           {"detail", entry.detail}});
    return {200, {{"entries", entries}}};
}

}  // namespace samspil::server
