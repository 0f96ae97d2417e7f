#include "rooms/room_recording.h"

#include "samspil/time/clock.h"

#include <algorithm>

namespace samspil::server {

using namespace samspil::protocol;

namespace {
// A packet captured this long before a recording's start may still hold some of it.
constexpr std::int64_t kLongestPacketSamples = 5760;
constexpr std::int64_t samplesOf(std::int64_t us) { return us * 48 / 1000; }
}  // namespace

void RoomRecording::handle(Participant& participant, const Record& record, std::int64_t nowUs) {
    Room* room = roster_.controlledBy(participant);
    if (!room) return;
    if (room->schoolId == 0)
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "only a school's rooms can be recorded");
    RoomState& state = rooms_[room->code];
    if (record.on && !state.recording && !state.starting) {
        std::optional<TakeTiming> take;
        if (record.take && !(take = timing_.nextTake(*room, monotonicMicros())))
            return replies_.refuse(participant.id, ErrorCode::NotAllowed,
                                   "start the room's metronome first: a take counts in on it");
        start(*room, participant, take);
    }
    if (!record.on && state.recording) {
        roster_.audit(*room, participant, "recording.stop", nullptr, "recording:" + std::to_string(state.recording->id));
        endRecording(*room, nowUs);
    }
}

void RoomRecording::start(const Room& room, Participant& teacher, std::optional<TakeTiming> take) {
    rooms_[room.code].starting = true;
    RecordingSink::Start start{room.schoolId, room.code, teacher.personId, teacher.name};
    if (take) {
        start.startsInMs = (take->startServerUs - monotonicMicros()) / 1000;
        start.takeBpm = take->bpm;
        start.takeBeatsPerBar = take->beatsPerBar;
    }
    recordings_->begin(start, [this, code = room.code, teacherId = teacher.id, generation = room.generation,
                               take](std::optional<std::int64_t> id) {
        Room* current = directory_.findRoom(code);
        const bool sameRoom = current && current->generation == generation;
        if (sameRoom) rooms_[code].starting = false;
        if (!id) {
            if (const Participant* who = directory_.find(teacherId); who && !who->closing)
                replies_.refuse(teacherId, ErrorCode::Internal, "the recording could not be started");
            return;
        }
        if (!sameRoom) return recordings_->end(*id, 0);  // everybody left before it began
        Recording recording{*id, monotonicMicros(), unixMillis(), take};
        if (take) {
            recording.startedAtMs += (take->startServerUs - recording.startUs) / 1000;
            recording.startUs = take->startServerUs;
        }
        rooms_[code].recording = recording;
        if (const Participant* who = directory_.find(teacherId))
            roster_.audit(*current, *who, "recording.start", nullptr, "recording:" + std::to_string(*id));
        // Everyone hears of it before the recorder is given anything.
        roster_.broadcastRoomState(*current);
        for (ConnectionId member : current->members) {
            replies_.send(member, Notice{"recording_started", "The lesson is being recorded."});
            notePresent(recording, directory_.at(member));
        }
    });
}

void RoomRecording::endRecording(const Room& room, std::int64_t nowUs) {
    const auto it = rooms_.find(room.code);
    if (it == rooms_.end() || !it->second.recording) return;
    const Recording& recording = *it->second.recording;
    // (A take stopped during its count-in is empty.)
    recordings_->end(recording.id, std::max<std::int64_t>(0, samplesOf(nowUs - recording.startUs)));
    it->second.recording.reset();
    roster_.broadcastRoomState(room);
    for (ConnectionId member : room.members) replies_.send(member, Notice{"recording_stopped", "The recording has stopped."});
}

void RoomRecording::endAll(std::int64_t nowUs) {
    for (auto& [code, room] : directory_.rooms()) endRecording(room, nowUs);
}

std::size_t RoomRecording::recordingCount() const {
    return static_cast<std::size_t>(
        std::count_if(rooms_.begin(), rooms_.end(), [](const auto& entry) { return entry.second.recording.has_value(); }));
}

void RoomRecording::entered(const Participant& participant, const Room& room) {
    const auto it = rooms_.find(room.code);
    if (it != rooms_.end() && it->second.recording) notePresent(*it->second.recording, participant);
}

void RoomRecording::notePresent(const Recording& recording, const Participant& participant) {
    if (participant.personId) recordings_->present(recording.id, participant.personId, participant.mayBeRecorded);
}

std::optional<RecordingState> RoomRecording::recordingState(const Room& room) const {
    const auto it = rooms_.find(room.code);
    if (it == rooms_.end() || !it->second.recording) return std::nullopt;
    RecordingState state;
    state.startedAtMs = it->second.recording->startedAtMs;
    state.take = it->second.recording->take;
    for (ConnectionId member : room.members) {
        const Participant& participant = directory_.at(member);
        if (!participant.mayBeRecorded) state.notRecorded.push_back(participant.participantId);
    }
    return state;
}

void RoomRecording::streamAnnounced(const Participant& participant) {
    // A sender re-announces its epoch when its clock estimate improved: the recording
    // places its next packet by the new one (a track already going keeps its place).
    placements_[participant.id].rebase = true;
}

// Places the stream on the recording's timeline: where its clock epoch says this packet was
// captured — or, with no epoch or one that disagrees with the packet's arrival by more than
// a stall explains, when it arrived, less one frame.
void RoomRecording::place(Placement& placement, const Recording& recording, const Participant& sender,
                          std::uint32_t timestamp, std::int64_t nowUs) {
    const std::int64_t arrivedUs = nowUs - 5000;
    std::int64_t capturedUs = arrivedUs;
    if (sender.stream && sender.stream->epochServerUs) {
        // Both terms are bounded (the epoch when parsed, the timestamp by its 32 bits).
        const std::int64_t byEpoch = *sender.stream->epochServerUs + std::int64_t{timestamp} * 1000 / 48;
        if (std::llabs(byEpoch - arrivedUs) <= kMaxPlacementSkewUs) capturedUs = byEpoch;
        else ++misplaced_;
    }
    placement.baseTimestamp = timestamp;
    placement.basePosition = samplesOf(capturedUs - recording.startUs);
}

void RoomRecording::recordPacket(const Room& room, const Participant& sender, std::uint32_t timestamp, bool streamStart,
                                 const SharedMedia& packet, std::int64_t nowUs) {
    const auto it = rooms_.find(room.code);
    if (it == rooms_.end() || !it->second.recording || !sender.mayBeRecorded || packet->repeat) return;
    const Recording& recording = *it->second.recording;
    Placement& placement = placements_[sender.id];
    // A re-announced epoch places the stream afresh only until its first packet went to the
    // recorder (a take's count-in): a track already going keeps its place, never a jump.
    const bool rebase = placement.rebase && !placement.recordedAnyPacket;
    const bool newTrack = placement.recordedIn != recording.id;
    if (newTrack || streamStart || rebase) {
        placement.rebase = false;
        if (newTrack) placement.recordedAnyPacket = false;
        place(placement, recording, sender, timestamp, nowUs);
        if (newTrack)
            recordings_->track(recording.id, {sender.participantId, sender.name, sender.personId,
                                              sender.stream ? sender.stream->channels : 1});
        placement.recordedIn = recording.id;
    }
    std::int64_t position = placement.basePosition + static_cast<std::int32_t>(timestamp - placement.baseTimestamp);
    // A timestamp that jumped (up to 12 h either way in 32 bits) would leave a gap of
    // silence to fill: a position beyond what arrival allows starts the stream's place afresh.
    const std::int64_t arrivalPosition = samplesOf(nowUs - recording.startUs);
    if (std::llabs(position - arrivalPosition) > samplesOf(kMaxPlacementSkewUs)) {
        ++misplaced_;
        place(placement, recording, sender, timestamp, nowUs);
        position = placement.basePosition;
    }
    // A packet that began before the start (a take's first bar line) may still hold some of it.
    if (position > -kLongestPacketSamples) {
        recordings_->media(recording.id, sender.participantId, position, packet);
        placement.recordedAnyPacket = true;
    }
}

}  // namespace samspil::server
