// RoomRecording: recording a lesson. The room's teacher starts and stops it; everyone in the
// room is told (room_state and a notice) before the recorder gets a single packet; people
// whose school record says they may not be recorded are left out, and the room sees who.
// Each participant's packets go to the recorder at their place on the recording's
// timeline, taken from their stream's clock epoch — where it was played, not when it
// arrived — but never further from when it arrived than a stalled line can explain, so a
// wrong (or hostile) epoch or timestamp cannot open a gap the recorder would fill with
// hours of silence. A take starts on a bar line of the room's metronome after a bar of
// count-in. Service thread only.
#pragma once

#include "rooms/room_directory.h"
#include "rooms/room_roster.h"
#include "rooms/room_timing.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace samspil::server {

class RoomRecording {
public:
    /// The furthest a packet may be placed from where its arrival puts it (a stalled TCP
    /// line delivers seconds late; a sound card's clock drifts milliseconds an hour).
    static constexpr std::int64_t kMaxPlacementSkewUs = 10'000'000;

    RoomRecording(RoomDirectory& directory, RoomReplies& replies, RoomRoster& roster, RoomTiming& timing)
        : directory_(directory), replies_(replies), roster_(roster), timing_(timing) {}

    /// Service thread, before the first connection: where recordings go (none by default).
    void useRecordings(RecordingSink& recordings) { recordings_ = &recordings; }

    void handle(Participant& participant, const protocol::Record& record, std::int64_t nowUs);
    /// Someone entered: noted as present while a recording runs.
    void entered(const Participant& participant, const Room& room);
    /// A member's stream announcement: a new epoch places their next packet afresh.
    void streamAnnounced(const Participant& participant);
    /// One relayed packet of a member (a repeat of one already relayed is not recorded).
    void recordPacket(const Room& room, const Participant& sender, std::uint32_t timestamp, bool streamStart,
                      const SharedMedia& packet, std::int64_t nowUs);
    void left(ConnectionId id) { placements_.erase(id); }
    /// The room has nobody left in it: its recording ends.
    void emptied(const Room& room, std::int64_t nowUs) { endRecording(room, nowUs); }
    void closed(const Room& room) { rooms_.erase(room.code); }
    /// The server stops: every recording ends.
    void endAll(std::int64_t nowUs);

    std::optional<protocol::RecordingState> recordingState(const Room& room) const;
    bool isRecording(const Room& room) const {
        const auto it = rooms_.find(room.code);
        return it != rooms_.end() && it->second.recording.has_value();
    }
    /// Rooms being recorded now.
    std::size_t recordingCount() const;
    /// Packets placed by their arrival because their epoch or timestamp was too far off.
    std::uint64_t misplacedPackets() const { return misplaced_; }

private:
    struct Recording {
        std::int64_t id = 0;
        std::int64_t startUs = 0;      // server clock: the recording's sample 0
        std::int64_t startedAtMs = 0;  // Unix time, for people
        std::optional<protocol::TakeTiming> take;  // a take: on the metronome's grid
    };
    struct RoomState {
        std::optional<Recording> recording;
        bool starting = false;  // asked the recorder, no answer yet
    };
    // Where one participant's media goes in the room's recording: the recording, and the
    // media timestamp that lands on `basePosition` (samples since it started).
    struct Placement {
        std::int64_t recordedIn = 0;
        std::uint32_t baseTimestamp = 0;
        std::int64_t basePosition = 0;
        bool rebase = false;            // the stream's epoch changed: place the next packet afresh
        bool recordedAnyPacket = false; // a packet of this stream went to the current recording
    };

    void start(const Room& room, Participant& teacher, std::optional<protocol::TakeTiming> take);
    void endRecording(const Room& room, std::int64_t nowUs);
    void notePresent(const Recording& recording, const Participant& participant);
    void place(Placement& placement, const Recording& recording, const Participant& sender, std::uint32_t timestamp,
               std::int64_t nowUs);

    RoomDirectory& directory_;
    RoomReplies& replies_;
    RoomRoster& roster_;
    RoomTiming& timing_;
    NoRecordings noRecordings_;
    RecordingSink* recordings_ = &noRecordings_;
    std::unordered_map<std::string, RoomState> rooms_;
    std::unordered_map<ConnectionId, Placement> placements_;
    std::uint64_t misplaced_ = 0;
};

}  // namespace samspil::server
