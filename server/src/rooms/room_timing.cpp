#include "rooms/room_timing.h"

#include "samspil/time/clock.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace samspil::server {

using namespace samspil::protocol;

namespace {
constexpr std::int64_t kMinTempoIntervalUs = 200'000;   // a DAW's tempo automation, not a flood
constexpr std::int64_t kLeadUs = 300'000;               // the grid reaches every client before its first click
constexpr std::int64_t kMinChangeIntervalUs = 100'000;  // a tempo slider, not a flood
constexpr double kLongestIntervalS = 20.0;  // what the clients' delay lines hold, with room for the network
// The count-in bar starts at least this far ahead, so room_state reaches everyone first.
constexpr std::int64_t kTakeLeadUs = 300'000;
}  // namespace

void RoomTiming::handle(Participant& participant, const TempoShare& tempo, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    Sender& sender = senders_[participant.id];
    if (sender.lastTempoUs != 0 && nowUs - sender.lastTempoUs < kMinTempoIntervalUs)
        return replies_.refuse(participant.id, ErrorCode::RateLimited, "tempo");
    sender.lastTempoUs = nowUs;
    const Room& room = directory_.roomOf(participant);
    RoomTime& time = rooms_[room.code];
    time.tempo = RoomTempo{participant.participantId, participant.name, tempo};
    replies_.sendToMembers(room, ServerMessage{*time.tempo});
}

void RoomTiming::handle(Participant& participant, const MetronomeSet& set, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    const Room& room = directory_.roomOf(participant);
    if (room.schoolId != 0 && room.teacher != participant.id)
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "only the room's teacher can do that");
    Sender& sender = senders_[participant.id];
    if (sender.lastMetronomeUs != 0 && nowUs - sender.lastMetronomeUs < kMinChangeIntervalUs)
        return replies_.refuse(participant.id, ErrorCode::RateLimited, "metronome");
    sender.lastMetronomeUs = nowUs;
    const double intervalS = set.intervalBars * set.beatsPerBar * 60.0 / set.bpm;
    if (intervalS > kLongestIntervalS) {
        char why[160];
        std::snprintf(why, sizeof why, "an interval of %d bars at %g BPM is %.0f s; interval mode holds up to %.0f s",
                      set.intervalBars, set.bpm, intervalS, kLongestIntervalS);
        return replies_.refuse(participant.id, ErrorCode::BadMessage, why);
    }

    // set.barServerUs lies within an hour of the server's clock (checked where it was parsed).
    const std::int64_t serverNow = monotonicMicros();
    RoomTime& time = rooms_[room.code];
    RoomMetronome grid{set.running, set.bpm, set.beatsPerBar, set.accent, WireTime::clamped(serverNow + kLeadUs),
                       participant.participantId, participant.name, set.running ? set.intervalBars : 0};
    if (set.running && set.barServerUs) {
        // A DAW is the source: the grid starts on its first bar line that everyone can still
        // hear coming, so the room's bar lines fall on the DAW's.
        const double barUs = 60e6 / set.bpm * set.beatsPerBar;
        const double bars = std::ceil(static_cast<double>(serverNow + kLeadUs - *set.barServerUs) / barUs);
        grid.startServerUs = WireTime::clamped(*set.barServerUs + std::llround(bars * barUs));
    } else if (set.running && time.metronome && time.metronome->running) {
        // Already running: the change starts on the old grid's next bar line, so nobody
        // hears the beat jump.
        const RoomMetronome& old = *time.metronome;
        const double barUs = 60e6 / old.bpm * old.beatsPerBar;
        const double bars = std::ceil(static_cast<double>(serverNow + kLeadUs - old.startServerUs) / barUs);
        grid.startServerUs = WireTime::clamped(old.startServerUs + std::llround(std::max(0.0, bars) * barUs));
    }
    time.metronome = grid;
    replies_.sendToMembers(room, ServerMessage{grid});
}

void RoomTiming::entered(const Participant& participant, const Room& room) {
    const auto it = rooms_.find(room.code);
    if (it == rooms_.end()) return;
    if (it->second.tempo) replies_.send(participant.id, *it->second.tempo);
    if (it->second.metronome && it->second.metronome->running) replies_.send(participant.id, *it->second.metronome);
}

std::optional<TakeTiming> RoomTiming::nextTake(const Room& room, std::int64_t serverNowUs) const {
    const auto it = rooms_.find(room.code);
    if (it == rooms_.end() || !it->second.metronome || !it->second.metronome->running) return std::nullopt;
    const RoomMetronome& grid = *it->second.metronome;
    const double barUs = 60e6 / grid.bpm * grid.beatsPerBar;
    const std::int64_t earliestCountIn = serverNowUs + kTakeLeadUs;
    const double bars = std::max(0.0, std::ceil(static_cast<double>(earliestCountIn - grid.startServerUs) / barUs));
    TakeTiming take;
    take.countInServerUs = WireTime::clamped(grid.startServerUs + std::llround(bars * barUs));
    take.startServerUs = WireTime::clamped(grid.startServerUs + std::llround((bars + 1) * barUs));
    take.bpm = grid.bpm;
    take.beatsPerBar = grid.beatsPerBar;
    return take;
}

}  // namespace samspil::server
