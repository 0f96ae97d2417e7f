// The room service's shared features on top of the relay: the shared tempo, lesson
// recordings (who is told first, who is left out, who may start it) and the room's metronome.
#include "room_service_fixture.h"

#include "samspil/time/clock.h"
#include "samspil/protocol/control_message.h"

#include <catch2/catch.hpp>

using namespace samspil::server;
using namespace samspil::server::room_test;
using namespace samspil::protocol;

TEST_CASE("a shared tempo reaches the whole room and whoever joins later, at a sane rate", "[server][rooms][tempo]") {
    Fixture f;
    f.connect(1, "song", "Jonas");
    f.connect(2, "song", "Maja");
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{96, 6, 8}}), 1'000'000);
    for (ConnectionId id : {1, 2}) {
        const auto tempos = f.outbox.messages<RoomTempo>(id);
        REQUIRE(tempos.size() == 1);
        CHECK(tempos[0].name == "Jonas");
        CHECK(tempos[0].tempo.bpm == 96);
        CHECK(tempos[0].tempo.numerator == 6);
    }
    // A second change 50 ms later is refused (not fatal); one after 200 ms goes through.
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{97, 6, 8}}), 1'050'000);
    CHECK(f.outbox.messages<RoomTempo>(2).size() == 1);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::RateLimited);
    f.rooms.onText(1, serialize(ClientMessage{TempoShare{98, 6, 8}}), 1'250'000);
    CHECK(f.outbox.messages<RoomTempo>(2).back().tempo.bpm == 98);

    f.connect(3, "song", "Late");
    const auto late = f.outbox.messages<RoomTempo>(3);
    REQUIRE(late.size() == 1);
    CHECK(late[0].tempo.bpm == 98);

    f.rooms.onOpen(4, 0);  // not in a room
    f.rooms.onText(4, serialize(ClientMessage{TempoShare{98, 4, 4}}), 2'000'000);
    CHECK(f.outbox.messages<ErrorMessage>(4).back().code == ErrorCode::NotJoined);
}

namespace {

// A recorder that answers begin() when the test says so, and notes what it was given.
class FakeRecorder : public RecordingSink {
public:
    explicit FakeRecorder(FakeOutbox& outbox) : outbox_(outbox) {}
    void begin(const Start& start, std::function<void(std::optional<std::int64_t>)> done) override {
        started.push_back(start);
        pendingBegin = std::move(done);
    }
    void present(std::int64_t, std::int64_t personId, bool recorded) override { presentPeople[personId] = recorded; }
    void track(std::int64_t, const Track& track) override { tracks.push_back(track); }
    void media(std::int64_t, std::uint32_t participantId, std::int64_t position, const SharedMedia&) override {
        if (packets.empty())  // the first packet stored: had every member been told?
            for (ConnectionId member : members) {
                const auto states = outbox_.messages<RoomState>(member);
                toldBeforeFirstPacket = toldBeforeFirstPacket && !states.empty() && states.back().recording.has_value();
            }
        packets.emplace_back(participantId, position);
    }
    void end(std::int64_t recording, std::int64_t length) override { ended.emplace_back(recording, length); }

    std::vector<Start> started;
    std::function<void(std::optional<std::int64_t>)> pendingBegin;
    std::map<std::int64_t, bool> presentPeople;
    std::vector<Track> tracks;
    std::vector<std::pair<std::uint32_t, std::int64_t>> packets;
    std::vector<std::pair<std::int64_t, std::int64_t>> ended;
    std::vector<ConnectionId> members;
    bool toldBeforeFirstPacket = true;

private:
    FakeOutbox& outbox_;
};

std::string control(const ClientMessage& message) {
    return serialize(message);
}

// Lise (the teacher, person 10) and Ida (a student, person 11) in room "klaver", as
// connections 1 and 2.
void teacherAndStudent(ScriptedFixture& f) {
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    f.policy.script = {teacher, schoolAdmission(RoomRole::Student, "Ida", 11)};
    f.joinAll("klaver", {1, 2});
}

}  // namespace

TEST_CASE("recording: everyone is told before a packet is stored, and a person who may not be recorded is left out",
          "[server][rooms][recording]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    recorder.members = {1, 2, 3};
    rooms.useRecordings(recorder);
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    Admission noConsent = schoolAdmission(RoomRole::Student, "Emil", 12);
    noConsent.mayBeRecorded = false;
    policy.script = {teacher, schoolAdmission(RoomRole::Student, "Ida", 11), noConsent};
    f.joinAll("klaver", {1, 2, 3});
    const auto idOf = [&f](ConnectionId id) { return f.outbox.messages<Welcome>(id).at(0).participantId; };

    rooms.onText(1, control(Record{true}), 10);
    REQUIRE(recorder.started.size() == 1);
    CHECK(recorder.started[0].room == "klaver");
    CHECK(recorder.started[0].startedBy == 10);
    // Until the recorder has answered, nothing is recorded and nobody is told.
    rooms.onBinary(2, mediaMessage(0, 1), samspil::monotonicMicros());
    CHECK(recorder.packets.empty());
    CHECK_FALSE(outbox.messages<RoomState>(2).back().recording);

    recorder.pendingBegin(41);
    for (ConnectionId member : {1, 2, 3}) {
        const auto state = outbox.messages<RoomState>(member).back();
        REQUIRE(state.recording);
        CHECK(state.recording->notRecorded == std::vector<std::uint32_t>{idOf(3)});
        const auto notices = outbox.messages<Notice>(member);
        CHECK(std::any_of(notices.begin(), notices.end(), [](const Notice& n) { return n.code == "recording_started"; }));
    }
    CHECK(recorder.presentPeople == std::map<std::int64_t, bool>{{10, true}, {11, true}, {12, false}});

    // Their streams' clocks: media timestamp 0 is a second from now on the server's clock.
    const std::int64_t epoch = samspil::monotonicMicros() + 1'000'000;
    for (ConnectionId from : {1, 2, 3}) rooms.onText(from, control(StreamInfo{1, 240, epoch}), 25);
    for (std::uint32_t sequence = 2; sequence < 6; ++sequence)
        for (ConnectionId from : {1, 2, 3}) rooms.onBinary(from, mediaMessage(0, sequence), samspil::monotonicMicros());
    CHECK(recorder.toldBeforeFirstPacket);
    REQUIRE(recorder.tracks.size() == 2);  // Lise and Ida; never Emil
    for (const auto& [participant, position] : recorder.packets) CHECK(participant != idOf(3));
    CHECK(recorder.packets.size() == 8);
    // A participant's packets follow their media timestamps (240 samples apart).
    CHECK(recorder.packets[2].second - recorder.packets[0].second == 240);
    CHECK(recorder.packets[0].second >= 48000 + 2 * 240 - 48);  // a second after the start, at timestamp 480

    // Stopping: everyone is told, and the recorder ends it.
    rooms.onText(1, control(Record{false}), 40);
    REQUIRE(recorder.ended.size() == 1);
    CHECK(recorder.ended[0].first == 41);
    for (ConnectionId member : {1, 2, 3}) CHECK_FALSE(outbox.messages<RoomState>(member).back().recording);
    rooms.onBinary(2, mediaMessage(0, 9), samspil::monotonicMicros());
    CHECK(recorder.packets.size() == 8);
}

TEST_CASE("recording: only the teacher starts it, only in a school's room, and the last one out ends it",
          "[server][rooms][recording]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    rooms.useRecordings(recorder);
    teacherAndStudent(f);
    rooms.onText(2, control(Record{true}), 10);
    CHECK(recorder.started.empty());
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotAllowed);

    rooms.onText(1, control(Record{true}), 10);
    recorder.pendingBegin(7);
    rooms.onClose(1);
    CHECK(recorder.ended.empty());  // Ida is still in it
    rooms.onClose(2);
    REQUIRE(recorder.ended.size() == 1);
    CHECK(recorder.ended[0].first == 7);

    // An open room (no school) has nobody to keep its recordings for.
    Fixture open;
    FakeRecorder openRecorder(open.outbox);
    open.rooms.useRecordings(openRecorder);
    open.connect(5, "open-room", "Ada");
    open.rooms.onText(5, control(Record{true}), 10);
    CHECK(openRecorder.started.empty());
    CHECK(open.outbox.messages<ErrorMessage>(5).back().code == ErrorCode::NotAllowed);
}

TEST_CASE("a take counts in one bar on the room's metronome and starts on the next bar line",
          "[server][rooms][recording][take]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    rooms.useRecordings(recorder);
    teacherAndStudent(f);

    // No metronome, nothing to count in on: a clear refusal, nothing started.
    rooms.onText(1, control(Record{true, true}), 1'000'000);
    CHECK(recorder.started.empty());
    CHECK(outbox.messages<ErrorMessage>(1).back().code == ErrorCode::NotAllowed);
    CHECK(outbox.messages<ErrorMessage>(1).back().message.find("metronome") != std::string::npos);

    rooms.onText(1, control(MetronomeSet{true, 120, 3, true}), 2'000'000);
    const RoomMetronome grid = outbox.messages<RoomMetronome>(2).back();
    const std::int64_t asked = samspil::monotonicMicros();
    rooms.onText(1, control(Record{true, true}), 3'000'000);
    REQUIRE(recorder.started.size() == 1);
    CHECK(recorder.started[0].takeBpm == 120);
    CHECK(recorder.started[0].takeBeatsPerBar == 3);
    recorder.pendingBegin(9);
    for (ConnectionId member : {1, 2}) {
        const auto state = outbox.messages<RoomState>(member).back();
        REQUIRE(state.recording);
        REQUIRE(state.recording->take);
        const TakeTiming take = *state.recording->take;
        // A bar of 3 beats at 120 BPM is 1.5 s; the count-in is the bar before the start,
        // far enough ahead for everyone to hear all of it, and both are the grid's bar lines.
        CHECK(take.startServerUs - take.countInServerUs == 1'500'000);
        CHECK((take.countInServerUs - grid.startServerUs) % 1'500'000 == 0);
        CHECK(take.countInServerUs >= asked + 300'000);
        CHECK(take.countInServerUs < asked + 300'000 + 1'500'000 + 50'000);
        CHECK(take.bpm == 120);
        CHECK(take.beatsPerBar == 3);
    }
    // The take's sample 0 is its bar line: a packet captured there is at position 0, one
    // captured a packet before it still goes in (it holds the downbeat's start), and
    // those of the count-in do not.
    const TakeTiming take = *outbox.messages<RoomState>(2).back().recording->take;
    const std::int64_t epoch = take.startServerUs - 1'000'000;  // timestamp 48000 is the bar line
    rooms.onText(2, control(StreamInfo{1, 240, epoch}), 3'100'000);
    for (const std::uint32_t sequence : {100u, 199u, 200u, 201u})  // timestamps 240 × sequence
        rooms.onBinary(2, mediaMessage(0, sequence), samspil::monotonicMicros());
    REQUIRE(recorder.packets.size() == 3);
    CHECK(recorder.packets[0].second == Approx(-240).margin(1));
    CHECK(recorder.packets[1].second == Approx(0).margin(1));
    CHECK(recorder.packets[2].second == Approx(240).margin(1));
    // Once the track is going, a re-announced epoch (a better clock estimate) moves nothing:
    // a jump in the middle of a track would be a gap or lost sound.
    rooms.onText(2, control(StreamInfo{1, 240, epoch + 1000}), 3'300'000);
    rooms.onBinary(2, mediaMessage(0, 202), samspil::monotonicMicros());
    REQUIRE(recorder.packets.size() == 4);
    CHECK(recorder.packets[3].second == Approx(480).margin(1));
}

TEST_CASE("a take's tracks are placed by the sender's clock as it stands when the take begins",
          "[server][rooms][recording][take]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    rooms.useRecordings(recorder);
    teacherAndStudent(f);
    rooms.onText(1, control(MetronomeSet{true, 120, 4, true}), 2'000'000);
    rooms.onText(1, control(Record{true, true}), 3'000'000);
    recorder.pendingBegin(9);
    const TakeTiming take = *outbox.messages<RoomState>(2).back().recording->take;
    const std::int64_t epoch = take.startServerUs - 1'000'000;
    rooms.onText(2, control(StreamInfo{1, 240, epoch}), 3'100'000);
    rooms.onBinary(2, mediaMessage(0, 100), samspil::monotonicMicros());  // in the count-in: not recorded
    // During the count-in the sender's clock estimate improves by 1 ms and it says so: the
    // take places its packets by the new epoch.
    rooms.onText(2, control(StreamInfo{1, 240, epoch + 1000}), 3'300'000);
    for (const std::uint32_t sequence : {199u, 200u, 201u}) rooms.onBinary(2, mediaMessage(0, sequence), samspil::monotonicMicros());
    REQUIRE(recorder.packets.size() == 3);
    CHECK(recorder.packets[0].second == Approx(-240 + 48).margin(1));
    CHECK(recorder.packets[1].second == Approx(48).margin(1));
    CHECK(recorder.packets[2].second == Approx(288).margin(1));
}

TEST_CASE("the room's metronome: the teacher sets it, the server sends a grid ahead of time, changes keep the bar lines",
          "[server][rooms][metronome]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    Admission teacher = schoolAdmission(RoomRole::Teacher, "Lise", 10);
    teacher.dropIn = true;
    Admission student = schoolAdmission(RoomRole::Student, "Ida", 11);
    student.dropIn = true;
    Admission late = schoolAdmission(RoomRole::Student, "Emil", 12);
    late.dropIn = true;
    policy.script = {teacher, student, late};
    f.joinAll("band", {1, 2});

    // A student may not start it; the teacher may, and both hear the same grid, 300 ms ahead.
    rooms.onText(2, serialize(ClientMessage{MetronomeSet{true, 120, 4, true}}), 1'000'000);
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotAllowed);
    CHECK(outbox.messages<RoomMetronome>(1).empty());
    const std::int64_t before = samspil::monotonicMicros();
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 120, 4, true}}), 2'000'000);
    const std::int64_t after = samspil::monotonicMicros();
    for (ConnectionId id : {1, 2}) {
        const auto grids = outbox.messages<RoomMetronome>(id);
        REQUIRE(grids.size() == 1);
        CHECK(grids[0].running);
        CHECK(grids[0].name == "Lise");
        CHECK(grids[0].startServerUs >= before + 300'000);
        CHECK(grids[0].startServerUs <= after + 300'000);
    }
    const auto first = outbox.messages<RoomMetronome>(1).back();

    // A newcomer gets the running grid after its welcome.
    f.joinAll("band", {3});
    REQUIRE(outbox.messages<RoomMetronome>(3).size() == 1);
    CHECK(outbox.messages<RoomMetronome>(3)[0].startServerUs == first.startServerUs);

    // A new tempo while it runs starts on one of the old grid's bar lines (every 2 s at
    // 120 BPM in 4), so nobody hears the beat jump.
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 90, 3, true}}), 3'000'000);
    const auto changed = outbox.messages<RoomMetronome>(2).back();
    CHECK(changed.bpm == 90);
    CHECK(changed.beatsPerBar == 3);
    CHECK((changed.startServerUs - first.startServerUs) % 2'000'000 == 0);
    CHECK(changed.startServerUs >= first.startServerUs);

    // Too fast a change is refused; a stop reaches everyone, and a newcomer gets nothing.
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 91, 3, true}}), 3'050'000);
    CHECK(outbox.messages<ErrorMessage>(1).back().code == ErrorCode::RateLimited);
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{false, 90, 3, true}}), 3'500'000);
    CHECK_FALSE(outbox.messages<RoomMetronome>(3).back().running);

    // Interval mode: the teacher's choice, told to everyone with the grid, from a bar line
    // of the running one; an interval longer than the clients can hold is refused.
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 120, 4, true, 4}}), 4'000'000);
    const auto interval = outbox.messages<RoomMetronome>(2).back();
    CHECK(interval.intervalBars == 4);
    CHECK(interval.intervalUs() == 8'000'000);
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 120, 4, true, 0}}), 4'200'000);
    const auto live = outbox.messages<RoomMetronome>(3).back();
    CHECK(live.intervalBars == 0);
    CHECK(live.intervalUs() == 0);
    CHECK((live.startServerUs - interval.startServerUs) % 2'000'000 == 0);
    const auto gridsBefore = outbox.messages<RoomMetronome>(2).size();
    rooms.onText(1, serialize(ClientMessage{MetronomeSet{true, 40, 8, true, 2}}), 4'400'000);  // 2 bars of 8 at 40 BPM: 24 s
    CHECK(outbox.messages<ErrorMessage>(1).back().code == ErrorCode::BadMessage);
    CHECK(outbox.messages<ErrorMessage>(1).back().message.find("an interval of 2 bars at 40 BPM is 24 s; interval mode holds up to 20 s") !=
          std::string::npos);
    CHECK(outbox.messages<RoomMetronome>(2).size() == gridsBefore);

    // A DAW as the source: the grid's bar lines fall on the DAW's (every 2 s here, one of
    // them 0.7 s ago), from the first one at least 300 ms ahead; a bar line an hour off is refused.
    MetronomeSet fromDaw{true, 120, 4, true};
    const std::int64_t dawBarLine = samspil::monotonicMicros() - 700'000;
    fromDaw.barServerUs = dawBarLine;
    rooms.onText(1, serialize(ClientMessage{fromDaw}), 4'600'000);
    const std::int64_t afterDaw = samspil::monotonicMicros();
    const auto followed = outbox.messages<RoomMetronome>(2).back();
    CHECK(followed.bpm == 120);
    CHECK((followed.startServerUs - dawBarLine) % 2'000'000 == 0);
    CHECK(followed.startServerUs >= afterDaw + 300'000 - 2'000'000);
    CHECK(followed.startServerUs == dawBarLine + 2'000'000);
    fromDaw.barServerUs = samspil::monotonicMicros() + 3'700'000'000;
    rooms.onText(1, serialize(ClientMessage{fromDaw}), 4'800'000);
    CHECK(outbox.messages<ErrorMessage>(1).back().message.find("bar_server_us") != std::string::npos);
    CHECK(outbox.messages<RoomMetronome>(2).back().startServerUs == followed.startServerUs);
}

TEST_CASE("recording: a far-off epoch or a timestamp that jumps is placed where the packet arrived, never hours away",
          "[server][rooms][recording]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    FakeRecorder recorder(outbox);
    rooms.useRecordings(recorder);
    teacherAndStudent(f);
    rooms.onText(1, control(Record{true}), 10);
    recorder.pendingBegin(5);
    // Ida's client says her stream began 50 minutes from now (within the hour the parser
    // allows: a clock that is off), then sends packets whose timestamps jump by 2^31 samples
    // (12 hours) — the recorder would fill the gaps with silence.
    const std::int64_t now = samspil::monotonicMicros();
    rooms.onText(2, control(StreamInfo{1, 240, now + 3'000'000'000}), now);
    const auto packetAt = [](std::uint32_t sequence, std::uint32_t timestamp) {
        std::vector<std::uint8_t> out(64);
        const std::vector<std::uint8_t> payload{0xE8, 1, 2};
        out.resize(writeMediaPacket(MediaHeader{0, 0, sequence, timestamp}, payload, out));
        return out;
    };
    rooms.onBinary(2, packetAt(1, 240), samspil::monotonicMicros());
    rooms.onBinary(2, packetAt(2, 480), samspil::monotonicMicros());
    rooms.onBinary(2, packetAt(3, 480 + 0x80000000u), samspil::monotonicMicros());
    rooms.onBinary(2, packetAt(4, 720 + 0x80000000u), samspil::monotonicMicros());
    REQUIRE(recorder.packets.size() == 4);
    const std::int64_t arrived = (samspil::monotonicMicros() - now) * 48 / 1000;  // where "now" is on the recording
    for (const auto& [participant, position] : recorder.packets) {
        INFO("position " << position);
        CHECK(position >= -5760);
        CHECK(position <= arrived + 48 * 1000);  // within a second of when it arrived, not 50 minutes or 12 hours on
    }
    CHECK(recorder.packets[1].second - recorder.packets[0].second == 240);  // a steady stream keeps its spacing
    CHECK(recorder.packets[3].second - recorder.packets[2].second == 240);
    CHECK(rooms.misplacedRecordingPackets() >= 2);  // the far epoch, and the jump
}

TEST_CASE("stream announcements are rate-limited: each sends the peer list to the whole room", "[server][rooms]") {
    Fixture f;
    f.connect(1, "duo", "A");
    f.connect(2, "duo", "B");
    const std::size_t peerListsBefore = f.outbox.messages<PeerList>(2).size();
    const std::int64_t now = samspil::monotonicMicros();
    for (int i = 0; i < 8; ++i) f.rooms.onText(1, control(StreamInfo{1, 240, now + i}), 1'000'000);
    // A burst of five goes through; then two a second.
    CHECK(f.outbox.messages<PeerList>(2).size() - peerListsBefore == 5);
    CHECK(f.outbox.messages<ErrorMessage>(1).back().code == ErrorCode::RateLimited);
    f.rooms.onText(1, control(StreamInfo{1, 240, now + 99}), 1'600'000);
    CHECK(f.outbox.messages<PeerList>(2).size() - peerListsBefore == 6);
    CHECK(f.outbox.messages<PeerList>(2).back().peers.front().stream->epochServerUs == now + 99);
}
