// libFuzzer harness: API request bodies, as the HTTP layer hands them over, through the
// real handlers on an in-memory database, called by a school's admin. The first byte picks
// the route; the rest is the body. A handler answers (any status) and never crashes or
// throws anything but what the API turns into `internal`.
#include "accounts/people_store.h"
#include "api/api_handlers.h"
#include "store/schema.h"
#include "store/sqlite.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace samspil::server;

namespace {

struct World {
    World() : db(":memory:") {
        migrateSchema(db);
        PeopleStore people(db);
        const auto school = people.createSchool("Fuzz Musikskole");
        const auto admin = people.createPerson("admin@fuzz", "Admin", "x");
        people.setMembership(school, admin, Role::Admin);
        caller.person = *people.person(admin);
        caller.memberships = people.memberships(admin);
        nlohmann::json room{{"code", "room-1"}, {"name", "Room"}};
        ApiRequest request{"POST", {"schools", "1", "rooms"}, {}, room, false, std::nullopt, "127.0.0.1", "localhost"};
        std::vector<std::int64_t> ids{1};
        ApiContext context{db, request, caller, ids, 1'700'000'000'000};
        createRoom(context);
    }
    SqliteDatabase db;
    Caller caller;
};

using Handler = ApiResponse (*)(ApiContext&);
constexpr Handler kHandlers[] = {&createRoom, &changeRoom, &createLesson, &createInvite, &changeMember,
                                 &checkNewMember, &listLessons, &revokeInvite, &deleteLesson};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static auto world = std::make_unique<World>();
    static int runs = 0;
    if (++runs % 20000 == 0) world = std::make_unique<World>();  // keep the database small
    if (size < 1) return 0;
    ApiRequest request;
    request.method = "POST";
    request.clientAddress = "127.0.0.1";
    request.body = nlohmann::json::parse(data + 1, data + size, nullptr, false);
    if (request.body.is_discarded() || !request.body.is_object()) return 0;  // the HTTP layer answers 400 itself
    std::vector<std::int64_t> ids{1, 1};
    ApiContext context{world->db, request, world->caller, ids, 1'700'000'000'000};
    try {
        const ApiResponse response = kHandlers[data[0] % std::size(kHandlers)](context);
        if (response.status < 100 || response.status > 599) std::abort();
    } catch (const StoreError&) {
        // A constraint the handler did not foresee: the API answers `internal`, the server goes on.
        // Any other exception (a JSON type error) is a finding: a bad body must get a 400.
    }
    return 0;
}
