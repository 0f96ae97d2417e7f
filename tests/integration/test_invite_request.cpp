// The desktop app's and plugin's "invite a guest": net::createInvite, as the teacher's app
// calls it, against a real server with a school — the web link it returns opens the join
// page and leads to the teacher's room; people who may not invite get the server's reason.
#include "samspil/net/invite_request.h"
#include "school_fixture.h"

#include <catch2/catch.hpp>

using namespace samspil::test;

TEST_CASE("a teacher's app creates an invite: a web link to the room, and a reason when it may not",
          "[integration][accounts][untimed]") {
    SchoolFixture f;
    const std::string server = f.server->url();

    const auto invite = samspil::net::createInvite(server, f.token["teacher"], "klaver-1", "Otto", 90);
    REQUIRE(invite);
    CHECK(invite->webLink == "http://127.0.0.1:" + std::to_string(f.server->port()) + "/join/" + invite->code);
    CHECK(invite->appLink.rfind("samspil://", 0) == 0);
    // The link opens the page, and the page's lookup finds the room and the guest's name.
    CHECK(httpGet(f.server->port(), "/join/" + invite->code).status == 200);
    const auto lookup = f.call("GET", "invites/lookup?code=" + invite->code);
    REQUIRE(lookup.status == 200);
    CHECK(lookup.body["room_code"] == "klaver-1");
    CHECK(lookup.body["guest_name"] == "Otto");

    // A student may not invite; a room of another school is not found; a bad token is refused.
    const auto student = samspil::net::createInvite(server, f.token["student"], "klaver-1", "");
    REQUIRE_FALSE(student);
    CHECK_FALSE(student.error().empty());
    const auto foreign = samspil::net::createInvite(server, f.token["teacherB"], "klaver-1", "");
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().find("klaver-1") != std::string::npos);
    const auto forged = samspil::net::createInvite(server, "not-a-token", "klaver-1", "");
    REQUIRE_FALSE(forged);
    CHECK(forged.error().find("Could not read who you are") != std::string::npos);
}
