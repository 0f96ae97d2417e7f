#include "accounts/account_types.h"

namespace samspil::server {

std::string_view roleName(Role role) {
    switch (role) {
        case Role::Admin: return "admin";
        case Role::Teacher: return "teacher";
        case Role::Student: return "student";
        case Role::Mentor: return "mentor";
    }
    return "student";
}

std::optional<Role> roleFromName(std::string_view name) {
    for (Role role : {Role::Admin, Role::Teacher, Role::Student, Role::Mentor})
        if (roleName(role) == name) return role;
    return std::nullopt;
}

std::optional<Role> Caller::roleIn(std::int64_t schoolId) const {
    for (const auto& membership : memberships)
        if (membership.schoolId == schoolId) return membership.role;
    return std::nullopt;
}

}  // namespace samspil::server
