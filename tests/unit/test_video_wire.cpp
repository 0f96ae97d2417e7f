// Video on the wire: the frame header, its fragments on the UDP path and their reassembly,
// and the video control messages' JSON (docs/protocol.md, "Video").
#include "samspil/protocol/control_message.h"
#include "samspil/protocol/video_fragments.h"
#include "samspil/protocol/video_frame.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using namespace samspil::protocol;

namespace {

std::vector<std::uint8_t> frameOf(std::size_t payloadBytes, std::uint32_t number, bool keyframe = false,
                                  VideoLayer layer = VideoLayer::Small) {
    std::vector<std::uint8_t> payload(payloadBytes);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + number);
    VideoHeader header;
    header.flags = keyframe ? kVideoFlagKeyframe : 0;
    header.layer = layer;
    header.framesPerSecond = 30;
    header.width = 640;
    header.height = 360;
    header.frameNumber = number;
    header.captureServerUs = WireTime::clamped(1'234'567'890);
    std::vector<std::uint8_t> out(kVideoHeaderBytes + payloadBytes);
    REQUIRE(writeVideoFrame(header, payload, out) == out.size());
    return out;
}

std::vector<std::vector<std::uint8_t>> fragmentsOf(const std::vector<std::uint8_t>& frame, std::uint16_t stream = 0) {
    std::vector<std::vector<std::uint8_t>> out;
    fragmentVideoFrame(frame, stream, [&](std::span<const std::uint8_t> f) { out.emplace_back(f.begin(), f.end()); });
    return out;
}

}  // namespace

TEST_CASE("a video frame's header round-trips and every bad value is refused where it is read", "[protocol][video]") {
    const auto bytes = frameOf(1000, 77, true, VideoLayer::Large);
    const auto parsed = parseVideoFrame(bytes);
    REQUIRE(parsed);
    CHECK(parsed->header.keyframe());
    CHECK(parsed->header.layer == VideoLayer::Large);
    CHECK(parsed->header.width == 640);
    CHECK(parsed->header.height == 360);
    CHECK(parsed->header.frameNumber == 77);
    CHECK(parsed->header.captureServerUs.us() == 1'234'567'890);
    CHECK(parsed->payload.size() == 1000);

    auto stamped = bytes;
    stampVideoStreamId(stamped, 4321);
    CHECK(parseVideoFrame(stamped)->header.streamId == 4321);

    const auto refused = [](std::vector<std::uint8_t> b) { return parseVideoFrame(b).error(); };
    CHECK(refused({bytes.begin(), bytes.begin() + kVideoHeaderBytes}) == VideoParseError::TooShort);
    CHECK(refused(std::vector<std::uint8_t>(kMaxVideoFrameBytes + 1, 1)) == VideoParseError::TooLarge);
    auto bad = bytes;
    bad[0] = 2;
    CHECK(refused(bad) == VideoParseError::BadVersion);
    bad = bytes;
    bad[2] = 2;
    CHECK(refused(bad) == VideoParseError::BadLayer);
    bad = bytes;
    bad[3] = 0;
    CHECK(refused(bad) == VideoParseError::BadFrameRate);
    bad[3] = 61;
    CHECK(refused(bad) == VideoParseError::BadFrameRate);
    bad = bytes;
    bad[7] = 0x81;  // an odd width
    CHECK(refused(bad) == VideoParseError::BadSize);
    bad = bytes;
    bad[6] = 0xFF;  // wider than 1920
    CHECK(refused(bad) == VideoParseError::BadSize);
    bad = bytes;
    bad[16] = 0x7F;  // a capture time beyond 2^52 µs
    CHECK(refused(bad) == VideoParseError::BadTime);
    CHECK_FALSE(describe(VideoParseError::BadTime).empty());
}

TEST_CASE("a frame cut into fragments comes back whole in any order, once", "[protocol][video]") {
    const auto frame = frameOf(50'000, 3, true);  // a keyframe's size: 38 fragments
    auto fragments = fragmentsOf(frame, 9);
    REQUIRE(fragments.size() == (frame.size() + kVideoFragmentPieceBytes - 1) / kVideoFragmentPieceBytes);
    for (const auto& f : fragments) CHECK(f.size() <= kMaxVideoFragmentBytes);
    CHECK(parseVideoFragmentHeader(fragments[0])->streamId == 9);

    std::mt19937 random(5);
    std::shuffle(fragments.begin(), fragments.end(), random);
    fragments.push_back(fragments[3]);  // a copy on the way
    VideoReassembler reassembler;
    int whole = 0;
    for (const auto& f : fragments)
        if (const auto done = reassembler.add(f)) {
            ++whole;
            CHECK(std::vector<std::uint8_t>(done->begin(), done->end()) == frame);
        }
    CHECK(whole == 1);
    CHECK(reassembler.framesDropped() == 0);
    CHECK(reassembler.malformed() == 0);
}

TEST_CASE("a frame missing a fragment is given up when the next frame of its layer comes", "[protocol][video]") {
    VideoReassembler reassembler;
    auto first = fragmentsOf(frameOf(5000, 10));
    first.erase(first.begin() + 1);
    for (const auto& f : first) CHECK_FALSE(reassembler.add(f));
    // Another layer's frame does not end it…
    for (const auto& f : fragmentsOf(frameOf(3000, 500, false, VideoLayer::Large))) reassembler.add(f);
    CHECK(reassembler.framesDropped() == 0);
    // …the same layer's next frame does.
    std::optional<std::vector<std::uint8_t>> next;
    for (const auto& f : fragmentsOf(frameOf(5000, 11)))
        if (const auto done = reassembler.add(f)) next.emplace(done->begin(), done->end());
    CHECK(reassembler.framesDropped() == 1);
    REQUIRE(next);
    CHECK(parseVideoFrame(*next)->header.frameNumber == 11);
}

TEST_CASE("fragments that lie are counted and hold nothing", "[protocol][video]") {
    VideoReassembler reassembler;
    auto fragments = fragmentsOf(frameOf(4000, 1));
    REQUIRE(fragments.size() == 3);
    auto liar = fragments[0];
    liar[7] = 0;  // a count of 0
    CHECK_FALSE(reassembler.add(liar));
    liar = fragments[0];
    liar[5] = 9;  // index beyond the count
    CHECK_FALSE(reassembler.add(liar));
    liar = fragments[0];
    liar[2] = 7;  // no such layer
    CHECK_FALSE(reassembler.add(liar));
    CHECK(reassembler.malformed() == 3);
    // A middle piece that is short, then the real frame still completes.
    reassembler.add(fragments[0]);
    auto shortPiece = fragments[1];
    shortPiece.resize(100);
    CHECK_FALSE(reassembler.add(shortPiece));
    CHECK(reassembler.malformed() == 4);
    CHECK_FALSE(reassembler.add(fragments[1]));
    CHECK(reassembler.add(fragments[2]));
    // Thousands of frames that never complete (a hostile stream of first fragments) keep at
    // most kSlots frames under way.
    for (std::uint32_t n = 0; n < 5000; ++n) {
        auto lone = fragmentsOf(frameOf(4000, n, false, n % 2 ? VideoLayer::Large : VideoLayer::Small),
                                static_cast<std::uint16_t>(n % 100))[0];
        reassembler.add(lone);
    }
    CHECK(reassembler.framesDropped() >= 5000 - VideoReassembler::kSlots);
}

TEST_CASE("the video control messages round-trip and refuse out-of-range values", "[protocol][video]") {
    const auto roundTrip = [](const ClientMessage& message) {
        const auto parsed = parseClientMessage(serialize(message), 0);
        REQUIRE(parsed);
        return *parsed;
    };
    CHECK(std::get<VideoAttach>(roundTrip(VideoAttach{"abc"})).token == "abc");
    CHECK(std::get<CameraSet>(roundTrip(CameraSet{CameraState::Paused})).state == CameraState::Paused);
    const auto subscribe = std::get<VideoSubscribe>(roundTrip(VideoSubscribe{12, VideoLayer::Large}));
    CHECK(subscribe.streamId == 12);
    CHECK(subscribe.layer == VideoLayer::Large);
    CHECK_FALSE(std::get<VideoSubscribe>(roundTrip(VideoSubscribe{12, std::nullopt})).layer);
    const auto report = std::get<VideoReport>(roundTrip(VideoReport{3, VideoLayer::Small, 29, 1, 45}));
    CHECK(report.framesReceived == 29);
    CHECK(report.framesLost == 1);
    CHECK(report.delayMs == 45);
    CHECK(std::get<Pin>(roundTrip(Pin{8})).participantId == 8);
    CHECK_FALSE(std::get<CameraBlock>(roundTrip(CameraBlock{8, false})).blocked);

    CHECK_FALSE(parseClientMessage(R"({"type":"camera","state":"sideways"})", 0));
    CHECK_FALSE(parseClientMessage(R"({"type":"video_subscribe","stream_id":70000,"layer":"small"})", 0));
    CHECK_FALSE(parseClientMessage(R"({"type":"video_subscribe","stream_id":1,"layer":"huge"})", 0));
    CHECK_FALSE(parseClientMessage(R"({"type":"video_report","stream_id":1,"layer":"small","frames_received":1,"frames_lost":0,"delay_ms":999999})", 0));

    VideoDemand demand;
    demand.small = true;
    demand.keyframeSmall = true;
    demand.receivers = 2;
    demand.worstLossPercent = 12;
    const auto back = parseServerMessage(serialize(ServerMessage{demand}));
    REQUIRE(back);
    const auto& got = std::get<VideoDemand>(*back);
    CHECK(got.small);
    CHECK_FALSE(got.large);
    CHECK(got.keyframeSmall);
    CHECK(got.receivers == 2);
    CHECK(got.worstLossPercent == 12);
}
