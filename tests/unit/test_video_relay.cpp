// Video in the server, without sockets: who gets whose frames (only those who asked for
// that layer; never the waiting room; nothing from a camera that is off or blocked), the
// sender told what to encode and when a keyframe is owed, pin and camera block reaching
// everyone, the video budget, and the per-receiver queue that gives way first and asks for
// a keyframe once the receiver has caught up.
#include "room_service_fixture.h"

#include "relay/video_queue.h"
#include "samspil/protocol/video_frame.h"

#include <catch2/catch.hpp>

using namespace samspil::server;
using namespace samspil::server::room_test;
using namespace samspil::protocol;

namespace {

std::string control(const ClientMessage& message) {
    return serialize(message);
}

std::vector<std::uint8_t> videoFrame(std::uint32_t number, bool keyframe, VideoLayer layer = VideoLayer::Small,
                                     std::size_t payloadBytes = 2000) {
    VideoHeader header;
    header.flags = keyframe ? kVideoFlagKeyframe : 0;
    header.layer = layer;
    header.width = layer == VideoLayer::Small ? 320 : 1280;
    header.height = layer == VideoLayer::Small ? 180 : 720;
    header.frameNumber = number;
    header.captureServerUs = WireTime::clamped(1000);
    const std::vector<std::uint8_t> payload(payloadBytes, 0x5A);
    std::vector<std::uint8_t> out(kVideoHeaderBytes + payloadBytes);
    REQUIRE(writeVideoFrame(header, payload, out) == out.size());
    return out;
}

std::uint16_t streamOf(FakeOutbox& outbox, ConnectionId id) { return outbox.messages<Welcome>(id).at(0).streamId; }
std::uint32_t participantOf(FakeOutbox& outbox, ConnectionId id) {
    return outbox.messages<Welcome>(id).at(0).participantId;
}

}  // namespace

TEST_CASE("video goes to those who asked for that layer, stamped with its sender's stream", "[server][video]") {
    Fixture f;
    f.connect(1, "kor", "Lise");
    f.connect(2, "kor", "Ida");
    f.connect(3, "kor", "Emil");
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    REQUIRE(outbox.messages<Welcome>(1).at(0).videoToken);
    const std::uint16_t lise = streamOf(outbox, 1);

    rooms.onText(1, control(CameraSet{CameraState::On}), 10);
    // The room sees the camera symbol.
    const auto peers = outbox.messages<PeerList>(2).back().peers;
    CHECK(std::any_of(peers.begin(), peers.end(), [](const PeerInfo& p) { return p.name == "Lise" && p.camera == CameraState::On; }));
    // Nobody watches yet: nothing to encode.
    REQUIRE_FALSE(outbox.messages<VideoDemand>(1).empty());
    CHECK_FALSE(outbox.messages<VideoDemand>(1).back().small);

    rooms.onText(2, control(VideoSubscribe{lise, VideoLayer::Small}), 20);
    rooms.onText(3, control(VideoSubscribe{lise, VideoLayer::Large}), 20);
    const auto demand = outbox.messages<VideoDemand>(1).back();
    CHECK(demand.small);
    CHECK(demand.large);
    CHECK(demand.keyframeSmall);  // a new viewer starts from a keyframe
    CHECK(demand.receivers == 2);

    rooms.onVideo(1, videoFrame(1, true, VideoLayer::Small), 30);
    rooms.onVideo(1, videoFrame(1, true, VideoLayer::Large), 31);
    REQUIRE(outbox.sent[2].video.size() == 1);
    REQUIRE(outbox.sent[3].video.size() == 1);
    CHECK(outbox.sent[2].video[0]->layer == VideoLayer::Small);
    CHECK(outbox.sent[3].video[0]->layer == VideoLayer::Large);
    const auto stamped = parseVideoFrame(outbox.sent[2].video[0]->bytes);
    REQUIRE(stamped);
    CHECK(stamped->header.streamId == lise);
    CHECK(outbox.sent[1].video.empty());  // never back to the sender
    CHECK(metrics.videoFramesIn == 2);

    // Ida stops watching; a malformed frame is refused with an error, not relayed.
    rooms.onText(2, control(VideoSubscribe{lise, std::nullopt}), 40);
    CHECK_FALSE(outbox.messages<VideoDemand>(1).back().small);
    rooms.onVideo(1, videoFrame(2, false), 41);
    CHECK(outbox.sent[2].video.size() == 1);
    auto broken = videoFrame(3, false);
    broken[0] = 9;
    rooms.onVideo(1, broken, 42);
    CHECK(outbox.messages<ErrorMessage>(1).back().code == ErrorCode::BadMedia);
    CHECK(metrics.videoDropped["malformed"] == 1);

    // Camera off: her frames go nowhere, and leaving clears what others wanted of her.
    rooms.onText(1, control(CameraSet{CameraState::Off}), 50);
    rooms.onVideo(1, videoFrame(4, true, VideoLayer::Large), 51);
    CHECK(outbox.sent[3].video.size() == 1);
    CHECK(metrics.videoDropped["camera_off"] == 1);
}

TEST_CASE("a student in the waiting room gets no video, and the teacher's pin and camera-off reach everyone",
          "[server][video][controls]") {
    ScriptedFixture f;
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    policy.script = {schoolAdmission(RoomRole::Teacher, "Lise", 10), schoolAdmission(RoomRole::Student, "Ida", 11),
                     schoolAdmission(RoomRole::Student, "Emil", 12)};
    f.joinAll("klaver", {1, 2});
    REQUIRE(outbox.messages<Waiting>(2).size() == 1);
    const std::uint16_t lise = streamOf(outbox, 1);
    rooms.onText(1, control(CameraSet{CameraState::On}), 10);
    // Waiting: asking for video is refused, and no frame comes.
    rooms.onText(2, control(VideoSubscribe{lise, VideoLayer::Small}), 11);
    CHECK(outbox.messages<ErrorMessage>(2).back().code == ErrorCode::NotJoined);
    rooms.onVideo(1, videoFrame(1, true), 12);
    CHECK(outbox.sent[2].video.empty());
    // Waiting students' frames go nowhere either.
    rooms.onVideo(2, videoFrame(1, true), 12);
    CHECK(metrics.videoDropped["not_joined"] == 1);

    // Let in: now she may watch.
    rooms.onText(1, control(Admit{outbox.messages<RoomState>(1).back().waiting.at(0).participantId}), 13);
    rooms.onText(1, control(Admit{0}), 13);  // (nobody: ignored)
    f.joinAll("klaver", {3});
    rooms.onText(1, control(Admit{outbox.messages<RoomState>(1).back().waiting.at(0).participantId}), 14);
    rooms.onText(2, control(VideoSubscribe{lise, VideoLayer::Small}), 15);
    rooms.onVideo(1, videoFrame(2, true), 16);
    CHECK(outbox.sent[2].video.size() == 1);

    // The teacher pins Ida: everyone's room state says so. A student may not pin.
    const std::uint32_t ida = participantOf(outbox, 2), emil = participantOf(outbox, 3);
    rooms.onText(1, control(Pin{ida}), 20);
    for (ConnectionId member : {1, 2, 3}) CHECK(outbox.messages<RoomState>(member).back().pinnedParticipantId == ida);
    rooms.onText(3, control(Pin{emil}), 21);
    CHECK(outbox.messages<RoomState>(1).back().pinnedParticipantId == ida);

    // The teacher turns Emil's camera off: he is told, everyone sees it, his frames go nowhere,
    // and he cannot turn it on again himself until she allows it.
    const std::uint16_t emilStream = streamOf(outbox, 3);
    rooms.onText(3, control(CameraSet{CameraState::On}), 30);
    rooms.onText(1, control(VideoSubscribe{emilStream, VideoLayer::Small}), 31);
    rooms.onVideo(3, videoFrame(1, true), 32);
    CHECK(outbox.sent[1].video.size() == 1);
    rooms.onText(1, control(CameraBlock{emil, true}), 33);
    const auto notices = outbox.messages<Notice>(3);
    CHECK(std::any_of(notices.begin(), notices.end(), [](const Notice& n) { return n.code == "camera_blocked"; }));
    for (ConnectionId member : {1, 2, 3}) {
        const auto peers = outbox.messages<PeerList>(member).back().peers;
        const auto him = std::find_if(peers.begin(), peers.end(), [&](const PeerInfo& p) { return p.participantId == emil; });
        REQUIRE(him != peers.end());
        CHECK(him->cameraBlocked);
        CHECK(him->camera == CameraState::Off);
    }
    rooms.onVideo(3, videoFrame(2, false), 34);
    CHECK(outbox.sent[1].video.size() == 1);
    rooms.onText(3, control(CameraSet{CameraState::On}), 35);
    CHECK(outbox.messages<ErrorMessage>(3).back().code == ErrorCode::NotAllowed);
    // A student may not block anyone.
    rooms.onText(2, control(CameraBlock{participantOf(outbox, 1), true}), 36);
    CHECK(outbox.messages<PeerList>(1).back().peers.size() == 3);
    rooms.onText(1, control(CameraBlock{emil, false}), 37);
    rooms.onText(3, control(CameraSet{CameraState::On}), 38);
    rooms.onVideo(3, videoFrame(3, true), 39);
    CHECK(outbox.sent[1].video.size() == 2);

    // The pinned student leaves: nobody is pinned.
    rooms.onClose(2);
    CHECK(outbox.messages<RoomState>(1).back().pinnedParticipantId == 0);
}

TEST_CASE("a sender's video beyond its budget is dropped and counted", "[server][video][limits]") {
    Fixture f;
    f.connect(1, "kor", "Lise");
    f.connect(2, "kor", "Ida");
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    rooms.onText(1, control(CameraSet{CameraState::On}), 10);
    rooms.onText(2, control(VideoSubscribe{streamOf(outbox, 1), VideoLayer::Large}), 10);
    // Ten 200 kB frames in the same instant: the burst (1 MB) lets four through.
    for (std::uint32_t n = 0; n < 10; ++n) rooms.onVideo(1, videoFrame(n, true, VideoLayer::Large, 200'000), 20);
    CHECK(outbox.sent[2].video.size() == 4);
    CHECK(metrics.videoDropped["over_budget"] == 6);
    // A second later 800 kB more have been earned.
    for (std::uint32_t n = 10; n < 20; ++n) rooms.onVideo(1, videoFrame(n, true, VideoLayer::Large, 200'000), 1'000'020);
    CHECK(outbox.sent[2].video.size() == 8);
}

TEST_CASE("a receiver's video queue drops stale frames and what depends on them, then asks for a keyframe",
          "[server][video][relay]") {
    RelayMetrics metrics;
    VideoQueue queue;
    std::map<std::uint16_t, std::uint32_t> dropped;
    std::vector<std::pair<std::uint16_t, VideoLayer>> recovered;
    const auto onDropped = [&](std::uint16_t stream, std::uint32_t frames) { dropped[stream] += frames; };
    const auto onRecovered = [&](std::uint16_t stream, VideoLayer layer) { recovered.emplace_back(stream, layer); };
    const auto frame = [](std::uint16_t stream, std::uint32_t n, bool key, std::int64_t at) {
        auto buffer = std::make_shared<VideoBuffer>();
        buffer->receivedUs = at;
        buffer->streamId = stream;
        buffer->keyframe = key;
        buffer->bytes.assign(10'000, 1);
        (void)n;
        return SharedVideo(buffer);
    };
    // A receiver that reads nothing for a while: frames queue up, then grow stale.
    queue.push(frame(7, 0, true, 0), 0, metrics, onDropped);
    for (std::uint32_t n = 1; n < 10; ++n) queue.push(frame(7, n, false, n * 33'000), n * 33'000, metrics, onDropped);
    queue.push(frame(8, 0, true, 300'000), 300'000, metrics, onDropped);  // another sender
    CHECK(dropped.empty());
    // 0.5 s later stream 7's first frame is stale: it goes, and all of 7 after it (undecodable).
    queue.push(frame(7, 10, false, 500'000), 500'000, metrics, onDropped);
    CHECK(dropped[7] == 11);
    CHECK(queue.bytes() == 10'000);  // stream 8's keyframe, still fresh
    // Until a keyframe of 7 comes, 7's frames are dropped at once.
    queue.push(frame(7, 11, false, 510'000), 510'000, metrics, onDropped);
    CHECK(dropped[7] == 12);
    // The receiver reads again and catches up: stream 7 is owed a keyframe.
    CHECK(queue.take(520'000, metrics, onDropped, onRecovered));
    CHECK_FALSE(queue.take(520'000, metrics, onDropped, onRecovered));
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0].first == 7);
    // The keyframe arrives: 7 flows again.
    queue.push(frame(7, 12, true, 600'000), 600'000, metrics, onDropped);
    queue.push(frame(7, 13, false, 633'000), 633'000, metrics, onDropped);
    CHECK(queue.take(640'000, metrics, onDropped, onRecovered));
    CHECK(queue.take(640'000, metrics, onDropped, onRecovered));
    CHECK(dropped[7] == 12);
    CHECK(metrics.videoDropped["stale"] == 1);
    // Memory stays bounded however much arrives: at most kMaxBytes queued.
    for (std::uint32_t n = 0; n < 1000; ++n) queue.push(frame(9, n, true, 700'000), 700'000, metrics, onDropped);
    CHECK(queue.bytes() <= VideoQueue::kMaxBytes);
}

TEST_CASE("a receiver whose line loses video is held a moment, then restarted from a keyframe", "[server][video][relay]") {
    Fixture f;
    f.connect(1, "kor", "Lise");
    f.connect(2, "kor", "Ida");
    f.connect(3, "kor", "Emil");
    auto& [outbox, archive, policy, audit, metrics, rooms] = f;
    const std::uint16_t lise = streamOf(outbox, 1);
    rooms.onText(1, control(CameraSet{CameraState::On}), 10);
    rooms.onText(2, control(VideoSubscribe{lise, VideoLayer::Small}), 10);
    rooms.onText(3, control(VideoSubscribe{lise, VideoLayer::Small}), 10);
    // A new viewer gets nothing it cannot decode: the keyframe first.
    rooms.onVideo(1, videoFrame(1, false), 1'000'000);
    CHECK(outbox.sent[2].video.empty());
    rooms.onVideo(1, videoFrame(2, true), 1'010'000);
    CHECK(outbox.sent[2].video.size() == 1);
    CHECK(outbox.sent[3].video.size() == 1);

    // Ida's line lost half of the last second's frames: her video is held, Emil's is not;
    // Lise hears of the loss (it might be her own line).
    rooms.onText(2, control(VideoReport{lise, VideoLayer::Small, 15, 15, 80}), 2'000'000);
    CHECK(metrics.videoReceiverHolds == 1);
    rooms.onVideo(1, videoFrame(3, false), 2'100'000);
    CHECK(outbox.sent[2].video.size() == 1);
    CHECK(outbox.sent[3].video.size() == 2);
    rooms.closeIdle(2'200'000);  // the second's feedback to the sender
    CHECK(outbox.messages<VideoDemand>(1).back().worstLossPercent == 50);
    // The hold ends after a second; then she waits for a keyframe, which Lise is asked for.
    const auto asked = metrics.videoKeyframesAsked;
    rooms.onVideo(1, videoFrame(4, false), 3'100'000);
    CHECK(outbox.sent[2].video.size() == 1);
    CHECK(metrics.videoKeyframesAsked == asked + 1);
    CHECK(outbox.messages<VideoDemand>(1).back().keyframeSmall);
    rooms.onVideo(1, videoFrame(5, true), 3'150'000);
    CHECK(outbox.sent[2].video.size() == 2);
    CHECK(outbox.sent[2].video.back()->keyframe);
    // Still bad: held again, for longer (2 s).
    rooms.onText(2, control(VideoReport{lise, VideoLayer::Small, 2, 8, 80}), 4'000'000);
    rooms.onVideo(1, videoFrame(6, true), 5'500'000);
    CHECK(outbox.sent[2].video.size() == 2);
    rooms.onVideo(1, videoFrame(7, true), 6'100'000);
    CHECK(outbox.sent[2].video.size() == 3);
    CHECK(metrics.videoReceiverHolds == 2);
}
