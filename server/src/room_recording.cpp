// Recording a lesson: the room's teacher starts and stops it; everyone in the room is told
// (room_state and a notice) before the recorder gets a single packet; people whose school
// record says they may not be recorded are left out, and the room sees who. Each
// participant's packets go to the recorder at their place on the recording's timeline,
// taken from their stream's clock epoch — where it was played, not when it arrived.
// A take is a recording that starts on a bar line of the room's metronome after a bar of
// count-in, so its tracks open in a DAW on the beat. Service thread only.
#include "room_service.h"

#include "samspil/core/clock.h"

#include <algorithm>
#include <cmath>

namespace samspil::server {

using namespace samspil::protocol;

namespace {
// The count-in bar starts at least this far ahead, so room_state reaches everyone first.
constexpr std::int64_t kTakeLeadUs = 300'000;
// A packet captured this long before a recording's start may still hold some of it.
constexpr std::int64_t kLongestPacketSamples = 5760;
}  // namespace

void RoomService::handle(Session& session, const Record& record, std::int64_t nowUs) {
    Room* room = roomControlledBy(session);
    if (!room) return;
    if (room->schoolId == 0)
        return sendError(session, ErrorCode::NotAllowed, "only a school's rooms can be recorded", false);
    if (record.on && !room->recording && !room->recordingStarting) {
        std::optional<TakeTiming> take;
        if (record.take && !(take = nextTake(*room)))
            return sendError(session, ErrorCode::NotAllowed, "start the room's metronome first: a take counts in on it",
                             false);
        startRecording(*room, session, take);
    }
    if (!record.on && room->recording) {
        audit(*room, session, "recording.stop", nullptr, "recording:" + std::to_string(room->recording->id));
        endRecording(*room, nowUs);
    }
}

// The next bar line of the room's running metronome that leaves a whole bar to count in.
std::optional<TakeTiming> RoomService::nextTake(const Room& room) const {
    if (!room.metronome || !room.metronome->running) return std::nullopt;
    const RoomMetronome& grid = *room.metronome;
    const double barUs = 60e6 / grid.bpm * grid.beatsPerBar;
    const std::int64_t earliestCountIn = monotonicMicros() + kTakeLeadUs;
    const double bars = std::max(0.0, std::ceil(static_cast<double>(earliestCountIn - grid.startServerUs) / barUs));
    TakeTiming take;
    take.countInServerUs = grid.startServerUs + std::llround(bars * barUs);
    take.startServerUs = grid.startServerUs + std::llround((bars + 1) * barUs);
    take.bpm = grid.bpm;
    take.beatsPerBar = grid.beatsPerBar;
    return take;
}

void RoomService::startRecording(Room& room, Session& teacher, std::optional<TakeTiming> take) {
    room.recordingStarting = true;
    RecordingSink::Start start{room.schoolId, room.code, teacher.personId, teacher.name};
    if (take) {
        start.startsInMs = (take->startServerUs - monotonicMicros()) / 1000;
        start.takeBpm = take->bpm;
        start.takeBeatsPerBar = take->beatsPerBar;
    }
    recordings_->begin(start, [this, code = room.code, teacherId = teacher.id, generation = room.generation,
                               take](std::optional<std::int64_t> id) {
        auto it = rooms_.find(code);
        const bool sameRoom = it != rooms_.end() && it->second.generation == generation;
        if (sameRoom) it->second.recordingStarting = false;
        if (!id) {
            if (auto who = sessions_.find(teacherId); who != sessions_.end() && !who->second.closing)
                sendError(who->second, ErrorCode::Internal, "the recording could not be started", false);
            return;
        }
        if (!sameRoom) return recordings_->end(*id, 0);  // everybody left before it began
        Room& recorded = it->second;
        recorded.recording = Room::Recording{*id, monotonicMicros(), unixMillis(), take};
        if (take) {
            recorded.recording->startedAtMs += (take->startServerUs - recorded.recording->startUs) / 1000;
            recorded.recording->startUs = take->startServerUs;
        }
        if (auto who = sessions_.find(teacherId); who != sessions_.end())
            audit(recorded, who->second, "recording.start", nullptr, "recording:" + std::to_string(*id));
        // Everyone hears of it before the recorder is given anything.
        broadcastRoomState(recorded);
        for (ConnectionId member : recorded.members) {
            send(member, Notice{"recording_started", "The lesson is being recorded."});
            notePresent(recorded, sessions_.at(member));
        }
    });
}

void RoomService::endRecording(Room& room, std::int64_t nowUs) {
    if (!room.recording) return;
    // (A take stopped during its count-in is empty.)
    const std::int64_t length = std::max<std::int64_t>(0, (nowUs - room.recording->startUs) * 48 / 1000);
    recordings_->end(room.recording->id, length);
    room.recording.reset();
    broadcastRoomState(room);
    for (ConnectionId member : room.members) send(member, Notice{"recording_stopped", "The recording has stopped."});
}

std::size_t RoomService::recordingCount() const {
    return static_cast<std::size_t>(
        std::count_if(rooms_.begin(), rooms_.end(), [](const auto& entry) { return entry.second.recording.has_value(); }));
}

void RoomService::notePresent(const Room& room, const Session& session) {
    if (room.recording && session.personId) recordings_->present(room.recording->id, session.personId, session.mayBeRecorded);
}

std::optional<RecordingState> RoomService::recordingState(const Room& room) const {
    if (!room.recording) return std::nullopt;
    RecordingState state;
    state.startedAtMs = room.recording->startedAtMs;
    state.take = room.recording->take;
    for (ConnectionId member : room.members) {
        const Session& session = sessions_.at(member);
        if (!session.mayBeRecorded) state.notRecorded.push_back(session.participantId);
    }
    return state;
}

void RoomService::recordPacket(const Room& room, Session& session, std::uint32_t timestamp, bool streamStart,
                               const SharedMedia& packet, std::int64_t nowUs) {
    if (!room.recording || !session.mayBeRecorded || packet->repeat) return;
    const auto& recording = *room.recording;
    // A re-announced epoch places the stream afresh only until its first packet went to the
    // recorder (a take's count-in): a track already going keeps its place, never a jump.
    const bool rebase = session.recordingRebase && !session.recordedAnyPacket;
    if (session.recordedIn != recording.id || streamStart || rebase) {
        session.recordingRebase = false;
        if (session.recordedIn != recording.id) session.recordedAnyPacket = false;
        // Place the stream on the recording's timeline: where its clock epoch says this
        // packet was captured, or (no epoch announced) when it arrived, less one frame.
        const std::int64_t capturedUs = session.stream && session.stream->epochServerUs
                                            ? *session.stream->epochServerUs + std::int64_t{timestamp} * 1000 / 48
                                            : nowUs - 5000;
        session.baseTimestamp = timestamp;
        session.basePosition = (capturedUs - recording.startUs) * 48 / 1000;
        if (session.recordedIn != recording.id)
            recordings_->track(recording.id, {session.participantId, session.name, session.personId,
                                              session.stream ? session.stream->channels : 1});
        session.recordedIn = recording.id;
    }
    const std::int64_t position = session.basePosition + static_cast<std::int32_t>(timestamp - session.baseTimestamp);
    // A packet that began before the start (a take's first bar line) may still hold some of it.
    if (position > -kLongestPacketSamples) {
        recordings_->media(recording.id, session.participantId, position, packet);
        session.recordedAnyPacket = true;
    }
}

}  // namespace samspil::server
