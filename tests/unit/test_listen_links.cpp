// The recordings' listen links: a ticket opens one recording for one person until it
// expires, and nothing else.
#include "api/listen_links.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using samspil::server::ListenLinks;

TEST_CASE("a listen link speaks for its person on its recording until it expires", "[unit][recording]") {
    const ListenLinks links;
    const std::int64_t now = 1'800'000'000'000;
    const std::string ticket = links.ticket(7, 42, now);
    CHECK(links.personFor(ticket, 7, now) == 42);
    CHECK(links.personFor(ticket, 7, now + ListenLinks::kLifetimeMs - 1) == 42);
    CHECK_FALSE(links.personFor(ticket, 7, now + ListenLinks::kLifetimeMs));
    CHECK_FALSE(links.personFor(ticket, 8, now));  // another recording
}

TEST_CASE("a listen link that was changed, made up or signed by another server opens nothing", "[unit][recording]") {
    const ListenLinks links;
    const std::int64_t now = 1'800'000'000'000;
    const std::string ticket = links.ticket(7, 42, now);
    std::string otherPerson = ticket;
    otherPerson.replace(0, 2, "43");
    CHECK_FALSE(links.personFor(otherPerson, 7, now));
    std::string laterExpiry = ticket;
    laterExpiry[3] = laterExpiry[3] == '9' ? '8' : '9';
    CHECK_FALSE(links.personFor(laterExpiry, 7, now));
    for (const std::string& nonsense : std::vector<std::string>{"", "-", "42", "42-", "42-99999999999999-", "0-1-00", "-42-1-ab", "42-x-ab",
                                       std::string(500, '7')})
        CHECK_FALSE(links.personFor(nonsense, 7, now));
    CHECK_FALSE(ListenLinks().personFor(ticket, 7, now));  // a restarted server drew a new key
}
