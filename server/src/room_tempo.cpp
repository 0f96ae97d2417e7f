// The room's shared tempo: a participant (a songwriter's DAW, through the plugin) shares a
// tempo and time signature; everyone in the room gets it, and so does whoever joins later.
// Service thread.
#include "room_service.h"

namespace samspil::server {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kMinTempoIntervalUs = 200'000;  // a DAW's tempo automation, not a flood
}

void RoomService::handle(Session& session, const TempoShare& tempo, std::int64_t nowUs) {
    if (!session.joined()) return sendError(session, ErrorCode::NotJoined, {}, false);
    if (session.lastTempoUs != 0 && nowUs - session.lastTempoUs < kMinTempoIntervalUs)
        return sendError(session, ErrorCode::RateLimited, "tempo", false);
    session.lastTempoUs = nowUs;
    Room& room = rooms_.at(session.room);
    room.tempo = RoomTempo{session.participantId, session.name, tempo};
    const ServerMessage message{*room.tempo};
    for (ConnectionId member : room.members) send(member, message);
}

}  // namespace samspil::server
