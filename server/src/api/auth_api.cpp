// Who is calling: their profile, their lessons, and signing out.
#include "accounts/people_store.h"
#include "accounts/room_catalog.h"
#include "api/api_handlers.h"


namespace samspil::server {
namespace {

constexpr std::int64_t kDayMs = 24 * 60 * 60'000;

}  // namespace

ApiResponse getMe(ApiContext& context) {
    nlohmann::json memberships = nlohmann::json::array();
    for (const auto& m : context.caller.memberships)
        memberships.push_back({{"school_id", m.schoolId}, {"school_name", m.schoolName}, {"role", roleName(m.role)}});
    return {200, {{"person", personJson(context.caller.person)}, {"memberships", memberships}}};
}

ApiResponse getMyLessons(ApiContext& context) {
    // Default: today (UTC), which is what "my lessons today" asks for.
    const std::int64_t dayStart = context.nowMs - context.nowMs % kDayMs;
    const std::int64_t from = queryInteger(context.request, "from", dayStart);
    const std::int64_t to = queryInteger(context.request, "to", dayStart + kDayMs);
    nlohmann::json lessons = nlohmann::json::array();
    for (const Lesson& lesson : RoomCatalog(context.db).lessonsOfPerson(context.caller.person.id, from, to))
        lessons.push_back(lessonJson(lesson));
    return {200, {{"lessons", lessons}}};
}

ApiResponse signOut(ApiContext& context) {
    PeopleStore(context.db).revokeSession(context.caller.sessionId, context.nowMs);
    return {204, nullptr};
}

}  // namespace samspil::server
