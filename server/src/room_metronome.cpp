// The room's metronome: the teacher (anyone, in an open room) starts, changes or stops it;
// the server turns that into a grid on its own clock — beat 0 at a start time far enough
// ahead for the message to reach everyone — and sends it to the room and to newcomers.
// Each client plays its clicks so they leave its sound card at the grid's instants.
// Service thread.
#include "room_service.h"

#include "samspil/core/clock.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace samspil::server {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kLeadUs = 300'000;         // the grid reaches every client before its first click
constexpr std::int64_t kMinChangeIntervalUs = 100'000;  // a tempo slider, not a flood
constexpr std::int64_t kFurthestBarLineUs = 3'600'000'000;  // a DAW's bar line: a clock that is off, not a song
constexpr double kLongestIntervalS = 20.0;  // what the clients' delay lines hold, with room for the network
}  // namespace

void RoomService::handle(Session& session, const MetronomeSet& set, std::int64_t nowUs) {
    if (!session.joined()) return sendError(session, ErrorCode::NotJoined, {}, false);
    Room& room = rooms_.at(session.room);
    if (room.schoolId != 0 && room.teacher != session.id)
        return sendError(session, ErrorCode::NotAllowed, "only the room's teacher can do that", false);
    if (session.lastMetronomeUs != 0 && nowUs - session.lastMetronomeUs < kMinChangeIntervalUs)
        return sendError(session, ErrorCode::RateLimited, "metronome", false);
    session.lastMetronomeUs = nowUs;
    const double intervalS = set.intervalBars * set.beatsPerBar * 60.0 / set.bpm;
    if (intervalS > kLongestIntervalS) {
        char why[160];
        std::snprintf(why, sizeof why, "an interval of %d bars at %g BPM is %.0f s; interval mode holds up to %.0f s",
                      set.intervalBars, set.bpm, intervalS, kLongestIntervalS);
        return sendError(session, ErrorCode::BadMessage, why, false);
    }

    const std::int64_t serverNow = monotonicMicros();
    if (set.barServerUs && std::llabs(*set.barServerUs - serverNow) > kFurthestBarLineUs)
        return sendError(session, ErrorCode::BadMessage, "bar_server_us is more than an hour from the server's clock", false);

    RoomMetronome grid{set.running, set.bpm, set.beatsPerBar, set.accent, 0, session.participantId, session.name,
                       set.running ? set.intervalBars : 0};
    grid.startServerUs = serverNow + kLeadUs;
    if (set.running && set.barServerUs) {
        // A DAW is the source: the grid starts on its first bar line that everyone can still
        // hear coming, so the room's bar lines fall on the DAW's.
        const double barUs = 60e6 / set.bpm * set.beatsPerBar;
        const double bars = std::ceil(static_cast<double>(serverNow + kLeadUs - *set.barServerUs) / barUs);
        grid.startServerUs = *set.barServerUs + std::llround(bars * barUs);
    } else if (set.running && room.metronome && room.metronome->running) {
        // Already running: the change starts on the old grid's next bar line, so nobody
        // hears the beat jump.
        const RoomMetronome& old = *room.metronome;
        const double barUs = 60e6 / old.bpm * old.beatsPerBar;
        const double bars = std::ceil(static_cast<double>(serverNow + kLeadUs - old.startServerUs) / barUs);
        grid.startServerUs = old.startServerUs + std::llround(std::max(0.0, bars) * barUs);
    }
    room.metronome = grid;
    const ServerMessage message{grid};
    for (ConnectionId member : room.members) send(member, message);
}

}  // namespace samspil::server
