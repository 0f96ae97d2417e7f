// Who may enter which room, decided against a real database (SQLite, or PostgreSQL under
// with_postgres.sh).
#include "accounts/account_admission.h"
#include "accounts/credentials.h"
#include "accounts/people_store.h"
#include "accounts/room_catalog.h"
#include "process.h"
#include "store/schema.h"
#include "store/database.h"
#include "test_database.h"

#include <catch2/catch.hpp>

using namespace samspil::server;
using samspil::protocol::ErrorCode;
using samspil::protocol::JoinRequest;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct SchoolSetup {
    samspil::test::TempDir dir;
    std::unique_ptr<Database> connection = openDatabase(samspil::test::freshDatabase(dir, "s.db"));
    Database& db = *connection;
    PeopleStore people{db};
    RoomCatalog catalog{db};
    std::int64_t school = 0, other = 0, teacher = 0, student = 0, outsider = 0, room = 0;

    SchoolSetup() {
        migrateSchema(db);
        school = people.createSchool("A");
        other = people.createSchool("B");
        teacher = people.createPerson("t", "Lærer", "x");
        student = people.createPerson("s", "Elev", "x");
        outsider = people.createPerson("o", "Udefra", "x");
        people.setMembership(school, teacher, Role::Teacher);
        people.setMembership(school, student, Role::Student);
        people.setMembership(other, outsider, Role::Student);
        room = catalog.createRoom("klaver", school, teacher, "", false);
    }
    std::string tokenFor(std::int64_t person) {
        const std::string token = makeSessionToken();
        people.createSession(secretHash(token), person, std::nullopt, kNow, kNow + 3'600'000);
        return token;
    }
    Admission join(std::optional<std::string> token, std::optional<std::string> invite = std::nullopt,
                   std::string roomCode = "klaver", std::int64_t now = kNow, bool openRooms = false) {
        return decideAdmission(db, JoinRequest{roomCode, "Typed Name", token, invite}, AdmissionSettings{openRooms}, now);
    }
};

ErrorCode refusal(const Admission& admission) {
    REQUIRE(admission.refusal);
    return admission.refusal->code;
}

}  // namespace

TEST_CASE("a student enters only around their lesson, a teacher their own room", "[accounts][admission]") {
    SchoolSetup s;
    const std::string student = s.tokenFor(s.student);
    CHECK(refusal(s.join(student)) == ErrorCode::NotAllowed);
    Lesson lesson;
    lesson.schoolId = s.school;
    lesson.roomId = s.room;
    lesson.title = "Klaver";
    lesson.startsAtMs = kNow + 10 * 60'000;  // in ten minutes: within the 15-minute margin
    lesson.endsAtMs = kNow + 40 * 60'000;
    lesson.participantIds = {s.student};
    s.catalog.createLesson(lesson, s.teacher);
    const Admission in = s.join(student);
    REQUIRE_FALSE(in.refusal);
    CHECK(in.role == RoomRole::Student);
    CHECK(in.displayName == "Elev");  // the account's name, not what was typed
    CHECK(in.schoolId == s.school);
    CHECK(refusal(s.join(student, std::nullopt, "klaver", kNow + 57 * 60'000)) == ErrorCode::NotAllowed);  // over + margin

    const Admission teacher = s.join(s.tokenFor(s.teacher));
    REQUIRE_FALSE(teacher.refusal);
    CHECK(teacher.role == RoomRole::Teacher);
    CHECK(refusal(s.join(s.tokenFor(s.outsider))) == ErrorCode::NotAllowed);
}

TEST_CASE("no credentials, forged or revoked tokens, and unknown rooms are refused", "[accounts][admission]") {
    SchoolSetup s;
    CHECK(refusal(s.join(std::nullopt)) == ErrorCode::AuthRequired);
    CHECK(refusal(s.join(std::string("forged"))) == ErrorCode::InvalidToken);
    const std::string token = s.tokenFor(s.teacher);
    s.people.revokeSession(s.people.validSession(secretHash(token), kNow)->id, kNow);
    CHECK(refusal(s.join(token)) == ErrorCode::InvalidToken);
    CHECK(refusal(s.join(s.tokenFor(s.teacher), std::nullopt, "elsewhere")) == ErrorCode::NotAllowed);
    // Demo mode: a room no school owns opens by its code; a school's room still does not.
    CHECK_FALSE(s.join(std::nullopt, std::nullopt, "elsewhere", kNow, true).refusal);
    CHECK(refusal(s.join(std::nullopt, std::nullopt, "klaver", kNow, true)) == ErrorCode::AuthRequired);
}

TEST_CASE("an invite admits a guest once, and gives them a token to come back with", "[accounts][admission]") {
    SchoolSetup s;
    Invite invite;
    invite.schoolId = s.school;
    invite.roomId = s.room;
    invite.guestName = "Mentor Mads";
    invite.createdAtMs = kNow;
    invite.expiresAtMs = kNow + 60'000;
    invite.singleUse = true;
    const std::string code = makeInviteCode();
    s.catalog.createInvite(invite, secretHash(normaliseInviteCode(code)), s.teacher);

    const Admission guest = s.join(std::nullopt, code);
    REQUIRE_FALSE(guest.refusal);
    CHECK(guest.role == RoomRole::Guest);
    CHECK(guest.displayName == "Mentor Mads");
    REQUIRE(guest.resumeToken);
    CHECK(refusal(s.join(std::nullopt, code)) == ErrorCode::InvalidInvite);  // single use
    const Admission back = s.join(guest.resumeToken);                          // the token still works
    REQUIRE_FALSE(back.refusal);
    CHECK(back.role == RoomRole::Guest);
    CHECK(refusal(s.join(guest.resumeToken, std::nullopt, "klaver", kNow + 120'000)) == ErrorCode::InvalidToken);
    CHECK(refusal(s.join(std::nullopt, std::string("zzzz-zzzz-zzzz-zzzz"))) == ErrorCode::InvalidInvite);
}
