// RoomTiming: the room's shared time — the tempo a participant shares (a songwriter's DAW)
// and the room's metronome grid on the server's clock (beat 0 far enough ahead for the
// message to reach everyone; a change keeps the bar lines; a DAW's bar line can be the
// source), sent to the room and to whoever enters. A take counts in on this grid.
// Service thread only.
#pragma once

#include "rooms/room_directory.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace samspil::server {

class RoomTiming {
public:
    RoomTiming(RoomDirectory& directory, RoomReplies& replies) : directory_(directory), replies_(replies) {}

    void handle(Participant& participant, const protocol::TempoShare& tempo, std::int64_t nowUs);
    void handle(Participant& participant, const protocol::MetronomeSet& set, std::int64_t nowUs);
    /// Someone entered: the room's tempo and running grid.
    void entered(const Participant& participant, const Room& room);
    void left(ConnectionId id) { senders_.erase(id); }
    void closed(const Room& room) { rooms_.erase(room.code); }

    /// The next bar line of the room's running metronome that leaves a whole bar to count
    /// in first, from serverNowUs on; none when no grid runs.
    std::optional<protocol::TakeTiming> nextTake(const Room& room, std::int64_t serverNowUs) const;

private:
    struct Sender {
        std::int64_t lastTempoUs = 0;      // when they last shared a tempo
        std::int64_t lastMetronomeUs = 0;  // when they last set the room's metronome
    };
    struct RoomTime {
        std::optional<protocol::RoomTempo> tempo;          // the latest shared tempo
        std::optional<protocol::RoomMetronome> metronome;  // the room's click grid
    };

    RoomDirectory& directory_;
    RoomReplies& replies_;
    std::unordered_map<ConnectionId, Sender> senders_;
    std::unordered_map<std::string, RoomTime> rooms_;
};

}  // namespace samspil::server
