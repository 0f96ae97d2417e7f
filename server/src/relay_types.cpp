#include "relay_types.h"

#include "samspil/protocol/validation.h"

namespace samspil::server {

std::string_view roomRoleName(RoomRole role) {
    switch (role) {
        case RoomRole::Participant: return "participant";
        case RoomRole::Teacher: return "teacher";
        case RoomRole::Student: return "student";
        case RoomRole::Mentor: return "mentor";
        case RoomRole::Guest: return "guest";
    }
    return "participant";
}

void OpenRoomsPolicy::admit(const protocol::JoinRequest& request, std::function<void(Admission)> done) {
    Admission admission;
    admission.displayName = protocol::normalizeDisplayName(request.name).value_or(request.name);
    done(std::move(admission));
}

}  // namespace samspil::server
