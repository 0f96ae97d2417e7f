// The JSON API as a school uses it: sign-in, and the permission matrix — every role (and a
// stranger, a forged token, a guest) against every action, across two schools.
#include "http_get.h"
#include "school_fixture.h"
#include "store/database.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace samspil::test;
using nlohmann::json;

namespace {

// One cell of the matrix: who, what, and the status they must get.
struct Expectation {
    std::string who;
    int status;
};

std::string describe(const std::string& who, const std::string& method, const std::string& path, int got, int want,
                     const json& body) {
    std::ostringstream text;
    text << who << " " << method << " " << path << ": got " << got << ", want " << want << " " << body.dump();
    return text.str();
}

}  // namespace

TEST_CASE("sign-in: a session token for the right password, the same refusal for everything else", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const auto ok = f.call("POST", "sign-in", {{"login", "TEACHER@school"}, {"password", "password-teacher"}});
    REQUIRE(ok.status == 200);  // logins are not case sensitive
    CHECK(ok.body["token"].get<std::string>().size() == 43);
    CHECK(ok.body["person"]["display_name"] == "teacher");
    CHECK(ok.body["memberships"][0]["role"] == "teacher");

    const auto wrongPassword = f.call("POST", "sign-in", {{"login", "teacher@school"}, {"password", "guess-1234"}});
    const auto noSuchLogin = f.call("POST", "sign-in", {{"login", "nobody@school"}, {"password", "guess-1234"}});
    CHECK(wrongPassword.status == 401);
    CHECK(noSuchLogin.status == 401);
    CHECK(wrongPassword.body == noSuchLogin.body);  // never reveals whether an account exists
    CHECK(f.call("POST", "sign-in", {{"login", "teacher@school"}}).status == 400);
    CHECK(f.call("POST", "sign-in", json::array({1, 2})).status == 400);
}

TEST_CASE("sign-in is rate-limited per account, and a right password does not get past it", "[integration][accounts][untimed]") {
    SchoolFixture f;
    for (int i = 0; i < 5; ++i)
        CHECK(f.call("POST", "sign-in", {{"login", "student@school"}, {"password", "wrong-" + std::to_string(i)}}).status ==
              401);
    const auto blocked = f.call("POST", "sign-in", {{"login", "student@school"}, {"password", "password-student"}});
    CHECK(blocked.status == 429);
    CHECK(blocked.errorCode() == "rate_limited");
    // Other accounts are not affected.
    CHECK(f.call("POST", "sign-in", {{"login", "student2@school"}, {"password", "password-student2"}}).status == 200);
    // The operator's alert sees both kinds of refusal.
    const std::string metrics = httpRequest(f.server->port(), "GET", "/metrics", "", "").body;
    CHECK(metrics.find("samspil_sign_in_failures_total{reason=\"wrong_password\"} 5\n") != std::string::npos);
    CHECK(metrics.find("samspil_sign_in_failures_total{reason=\"rate_limited\"} 1\n") != std::string::npos);
}

TEST_CASE("sign-out revokes the token, expired and forged tokens are refused", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const std::string token = f.signIn("student");
    CHECK(f.call("GET", "me", nullptr, token).status == 200);
    CHECK(f.call("POST", "sign-out", nullptr, token).status == 204);
    const auto revoked = f.call("GET", "me", nullptr, token);
    CHECK(revoked.status == 401);
    CHECK(revoked.errorCode() == "invalid_token");

    const std::string expiring = f.signIn("student2");
    {
        auto dbConnection = samspil::server::openDatabase(f.server->databasePath());
    auto& db = *dbConnection;
        db.exec("UPDATE sessions SET expires_at_ms = 1 WHERE person_id = " + std::to_string(f.personId["student2"]));
    }
    CHECK(f.call("GET", "me", nullptr, expiring).errorCode() == "invalid_token");
    CHECK(f.call("GET", "me", nullptr, std::string(43, 'A')).errorCode() == "invalid_token");
    CHECK(f.call("GET", "me").errorCode() == "auth_required");
}

TEST_CASE("the permission matrix: every role against every API action, across two schools", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const std::string room = std::to_string(f.roomId);
    const std::string lesson = std::to_string(f.lessonId);
    const std::string student = std::to_string(f.personId["student"]);
    f.token["stranger"] = "";
    f.token["forged"] = std::string(43, 'x');
    // A guest's token (from an invite) opens a room, not the API.
    const auto invite = f.call("POST", "rooms/" + room + "/invites", {{"single_use", false}}, f.token["teacher"]);
    REQUIRE(invite.status == 201);

    const std::vector<std::string> everyone = {"admin",   "teacher", "teacher2", "student", "student2", "mentor",
                                               "adminB",  "teacherB", "studentB", "stranger", "forged"};
    auto row = [&](const std::string& method, const std::string& path, std::function<json(const std::string&)> body,
                   std::map<std::string, int> allowed, int refusedInA, int refusedOutside) {
        for (const auto& who : everyone) {
            int want;
            if (who == "stranger" || who == "forged")
                want = 401;
            else if (allowed.count(who))
                want = allowed[who];
            else if (who.back() == 'B')
                want = refusedOutside;
            else
                want = refusedInA;
            const auto answer = f.call(method, path, body(who), f.token[who]);
            INFO(describe(who, method, path, answer.status, want, answer.body));
            CHECK(answer.status == want);
        }
    };
    auto none = [](const std::string&) { return json(nullptr); };
    const std::map<std::string, int> allSignedIn = {{"admin", 200},   {"teacher", 200}, {"teacher2", 200},
                                                    {"student", 200}, {"student2", 200}, {"mentor", 200},
                                                    {"adminB", 200},  {"teacherB", 200}, {"studentB", 200}};
    const std::map<std::string, int> schoolA = {{"admin", 200},   {"teacher", 200},  {"teacher2", 200},
                                                {"student", 200}, {"student2", 200}, {"mentor", 200}};

    row("GET", "me", none, allSignedIn, 0, 0);
    row("GET", "me/lessons", none, allSignedIn, 0, 0);
    row("GET", "schools/1", none, schoolA, 0, 404);
    row("GET", "schools/1/members", none, {{"admin", 200}, {"teacher", 200}, {"teacher2", 200}}, 403, 404);
    row("GET", "schools/1/audit", none, {{"admin", 200}}, 403, 404);
    row("GET", "schools/1/rooms", none, schoolA, 0, 404);
    row("GET", "schools/1/lessons", none, {{"admin", 200}, {"teacher", 200}, {"teacher2", 200}}, 403, 404);
    row("POST", "schools/1/members",
        [](const std::string& who) {
            return json{{"login", "new-" + who + "@school"}, {"display_name", "New"}, {"password", "password-new"},
                        {"role", "student"}};
        },
        {{"admin", 201}}, 403, 404);
    row("PATCH", "schools/1/members/" + student, [](const std::string&) { return json{{"role", "student"}}; },
        {{"admin", 200}}, 403, 404);
    row("POST", "schools/1/rooms", [](const std::string& who) { return json{{"code", "room-of-" + who}}; },
        {{"admin", 201}, {"teacher", 201}, {"teacher2", 201}}, 403, 404);
    row("PATCH", "rooms/" + room, [](const std::string&) { return json{{"name", "Klaverværelset"}}; },
        {{"admin", 200}, {"teacher", 200}}, 403, 404);
    row("GET", "rooms/" + room + "/invites", none, {{"admin", 200}, {"teacher", 200}}, 403, 404);
    row("POST", "rooms/" + room + "/invites", [](const std::string&) { return json{{"guest_name", "Mads"}}; },
        {{"admin", 201}, {"teacher", 201}}, 403, 404);
    const std::int64_t now = 1'800'000'000'000;
    row("POST", "schools/1/lessons",
        [&](const std::string&) {
            return json{{"room_id", f.roomId}, {"title", "Ekstra"}, {"starts_at_ms", now}, {"ends_at_ms", now + 1800000}};
        },
        {{"admin", 201}, {"teacher", 201}}, 403, 404);

    // Deleting: a throwaway member, lesson and invite per person who may, refusal for the rest.
    for (const auto& who : everyone) {
        const auto victim = f.call("POST", "schools/1/members",
                                   {{"login", "victim-" + who + "@school"}, {"display_name", "Victim"},
                                    {"password", "password-victim"}, {"role", "student"}},
                                   f.token["admin"]);
        REQUIRE(victim.status == 201);
        const auto extraLesson = f.call("POST", "schools/1/lessons",
                                        {{"room_id", f.roomId}, {"title", "Slettes"}, {"starts_at_ms", now},
                                         {"ends_at_ms", now + 60000}},
                                        f.token["teacher"]);
        const auto extraInvite = f.call("POST", "rooms/" + room + "/invites", json::object(), f.token["teacher"]);
        const bool admin = who == "admin", owner = who == "teacher";
        const int refused = who == "stranger" || who == "forged" ? 401 : who.back() == 'B' ? 404 : 403;
        INFO(who);
        CHECK(f.call("DELETE", "schools/1/members/" + std::to_string(victim.body["person_id"].get<int>()), nullptr,
                     f.token[who])
                  .status == (admin ? 204 : refused));
        CHECK(f.call("DELETE", "lessons/" + std::to_string(extraLesson.body["id"].get<int>()), nullptr, f.token[who])
                  .status == (admin || owner ? 204 : refused));
        CHECK(f.call("DELETE", "invites/" + std::to_string(extraInvite.body["id"].get<int>()), nullptr, f.token[who])
                  .status == (admin || owner ? 204 : refused));
    }

    // The guest's token is for the room only.
    (void)lesson;
    CHECK(f.call("GET", "me", nullptr, invite.body["code"].get<std::string>()).status == 401);
    // Unknown paths and methods.
    CHECK(f.call("GET", "schools/1/nothing", nullptr, f.token["admin"]).status == 404);
    CHECK(f.call("PUT", "schools/1", nullptr, f.token["admin"]).status == 405);
}

TEST_CASE("a person of one school never sees another school's people, rooms or lessons", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const auto members = f.call("GET", "schools/1/members", nullptr, f.token["admin"]);
    REQUIRE(members.status == 200);
    for (const auto& member : members.body["members"]) CHECK(member["login"].get<std::string>().find("B@") == std::string::npos);
    CHECK(f.call("GET", "schools/2/members", nullptr, f.token["admin"]).status == 404);
    CHECK(f.call("GET", "schools/2/rooms", nullptr, f.token["teacher"]).status == 404);
    // A lesson in school 1 cannot take school 2's student.
    const auto cross = f.call("POST", "schools/1/lessons",
                              {{"room_id", f.roomId}, {"title", "x"}, {"starts_at_ms", 1}, {"ends_at_ms", 2},
                               {"participant_ids", {f.personId["studentB"]}}},
                              f.token["teacher"]);
    CHECK(cross.status == 400);
    // teacherB cannot schedule in school 1's room even through their own school's path.
    CHECK(f.call("POST", "schools/2/lessons",
                 {{"room_id", f.roomId}, {"title", "x"}, {"starts_at_ms", 1}, {"ends_at_ms", 2}}, f.token["teacherB"])
              .status == 404);
    const auto mine = f.call("GET", "me/lessons", nullptr, f.token["studentB"]);
    CHECK(mine.body["lessons"].empty());
}

TEST_CASE("my lessons today: the student sees theirs, with the room to join", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const auto lessons = f.call("GET", "me/lessons", nullptr, f.token["student"]);
    REQUIRE(lessons.status == 200);
    REQUIRE(lessons.body["lessons"].size() == 1);
    CHECK(lessons.body["lessons"][0]["room_code"] == "klaver-1");
    CHECK(lessons.body["lessons"][0]["title"] == "Klaver med Ida");
    CHECK(f.call("GET", "me/lessons", nullptr, f.token["student2"]).body["lessons"].empty());
    CHECK(f.call("GET", "me/lessons", nullptr, f.token["teacher"]).body["lessons"].size() == 1);  // owns the room
}

TEST_CASE("odd names, quotes and SQL in every field come back intact, refusals change nothing", "[integration][accounts][untimed]") {
    SchoolFixture f;
    const std::string odd = "Ærlige Øjvind Åkesson 'O''Brien'; DROP TABLE people;-- 🎻";
    const std::string longName(64, 'x');
    const auto added = f.call("POST", "schools/1/members",
                              {{"login", "øjvind@skole.dk"}, {"display_name", odd}, {"password", "pässwörd-æøå"},
                               {"role", "student"}},
                              f.token["admin"]);
    REQUIRE(added.status == 201);
    const auto signedIn = f.call("POST", "sign-in", {{"login", "øjvind@skole.dk"}, {"password", "pässwörd-æøå"}});
    REQUIRE(signedIn.status == 200);
    CHECK(signedIn.body["person"]["display_name"] == odd);
    CHECK(f.call("POST", "schools/1/members",
                 {{"login", "long@school"}, {"display_name", longName}, {"password", "password-long"}, {"role", "mentor"}},
                 f.token["admin"])
              .status == 201);
    const auto room = f.call("POST", "schools/1/rooms", {{"code", "kor-2"}, {"name", odd}}, f.token["teacher"]);
    REQUIRE(room.status == 201);
    CHECK(room.body["name"] == odd);

    auto countRows = [&] {
        auto dbConnection = samspil::server::openDatabase(f.server->databasePath());
    auto& db = *dbConnection;
        std::map<std::string, std::int64_t> counts;
        for (const char* table : {"people", "memberships", "rooms", "lessons", "invites", "sessions"}) {
            auto statement = db.prepare(std::string("SELECT COUNT(*) FROM ") + table);
            statement.step();
            counts[table] = statement.columnInt(0);
        }
        return counts;
    };
    const auto before = countRows();
    // Refused for who asks, for what is asked, or for how: none of it may touch the database.
    CHECK(f.call("POST", "schools/1/members",
                 {{"login", "x@school"}, {"display_name", std::string(65, 'y')}, {"password", "password-x"},
                  {"role", "student"}},
                 f.token["admin"]).status == 400);
    CHECK(f.call("POST", "schools/1/members",
                 {{"login", "x@school"}, {"display_name", "X"}, {"password", "short"}, {"role", "student"}},
                 f.token["admin"]).status == 400);
    CHECK(f.call("POST", "schools/1/members",
                 {{"login", "x@school"}, {"display_name", "X"}, {"password", "password-x"}, {"role", "overlord"}},
                 f.token["admin"]).status == 400);
    CHECK(f.call("POST", "schools/1/members",
                 {{"login", "x@school"}, {"display_name", "X"}, {"password", "password-x"}, {"role", "student"}},
                 f.token["student"]).status == 403);
    CHECK(f.call("POST", "schools/1/rooms", {{"code", "klaver-1"}}, f.token["teacher"]).status == 409);
    CHECK(f.call("POST", "schools/1/rooms", {{"code", "no spaces"}}, f.token["teacher"]).status == 400);
    CHECK(f.call("POST", "schools/1/lessons",
                 {{"room_id", f.roomId}, {"title", "backwards"}, {"starts_at_ms", 10}, {"ends_at_ms", 5}},
                 f.token["teacher"]).status == 400);
    CHECK(f.call("POST", "rooms/" + std::to_string(f.roomId) + "/invites", {{"expires_in_minutes", 0}},
                 f.token["teacher"]).status == 400);
    CHECK(f.call("DELETE", "schools/1/members/" + std::to_string(f.personId["admin"]), nullptr, f.token["admin"])
              .status == 409);
    CHECK(f.call("POST", "sign-in", {{"login", "'; DELETE FROM people;--"}, {"password", "x' OR '1'='1"}}).status == 401);
    CHECK(countRows() == before);
}
