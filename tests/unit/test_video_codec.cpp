// The native clients' video: the test pattern survives VP8 (its time code read back from
// decoded pixels), the encoder's real-time settings (a keyframe on request, one at least
// every few seconds, the bitrate asked for), a decoder that lost a frame waits for a
// keyframe, and the ladder's rate controller moves down at once and up slowly.
#include "samspil/video/i420_image.h"
#include "samspil/video/test_pattern.h"
#include "samspil/video/video_ladder.h"
#include "samspil/video/vp8_codec.h"
#include "samspil/client_video/video_layout.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace samspil::video;

namespace {

constexpr std::int64_t kStartUs = 5'000'000'000'000;  // any server time: about 58 days

I420Image patternAt(int width, int height, std::uint32_t frame) {
    I420Image picture(width, height);
    TestPattern::draw(picture, frame, kStartUs + frame * 33'333);
    return picture;
}

// Mean absolute difference of the luma planes (0–255).
double lumaDifference(const I420Image& a, const I420Image& b) {
    REQUIRE(a.width() == b.width());
    REQUIRE(a.height() == b.height());
    double sum = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            sum += std::abs(int{a.y()[y * a.strideY() + x]} - int{b.y()[y * b.strideY() + x]});
    return sum / (a.width() * a.height());
}

}  // namespace

TEST_CASE("the test pattern's time code reads back from its own pixels, and a damaged one does not", "[video]") {
    I420Image picture(1280, 720);
    TestPattern::draw(picture, 12, kStartUs + 424'242);
    CHECK(TestPattern::readTime(picture, kStartUs) == kStartUs + 424'242);
    // Read near a time far on the other side of the 48-bit wrap: still the same instant.
    CHECK(TestPattern::readTime(picture, kStartUs + 1'000'000'000) == kStartUs + 424'242);
    // A grey picture carries no time code (its check fails).
    I420Image grey(1280, 720);
    CHECK_FALSE(TestPattern::readTime(grey, kStartUs));
    // Flip one block: the check catches it.
    const int b = 1280 / 30;
    for (int y = b; y < 2 * b; ++y)
        for (int x = 3 * b; x < 4 * b; ++x) picture.y()[y * picture.strideY() + x] ^= 0xFF;
    CHECK_FALSE(TestPattern::readTime(picture, kStartUs));
}

TEST_CASE("the test pattern still reads when scaled to every step of the ladder", "[video]") {
    I420Image camera(1280, 720);
    TestPattern::draw(camera, 3, kStartUs + 77'000);
    for (const VideoStep& step : kVideoLadder) {
        INFO(step.name);
        CHECK(TestPattern::readTime(camera.scaled(step.width, step.height), kStartUs) == kStartUs + 77'000);
    }
    // And drawn at an odd size (a camera's 848x480) then scaled to 180p.
    I420Image odd(848, 480);
    TestPattern::draw(odd, 0, kStartUs + 5);
    CHECK(TestPattern::readTime(odd.scaled(320, 180), kStartUs) == kStartUs + 5);
}

TEST_CASE("VP8 round trip at every step of the ladder: the picture and its time code come back", "[video]") {
    for (const VideoStep& step : kVideoLadder) {
        auto encoder = Vp8Encoder::create({step.width, step.height, step.framesPerSecond, step.bitrateKbps, 3, 1});
        REQUIRE(encoder);
        auto decoder = Vp8Decoder::create(1);
        REQUIRE(decoder);
        int decoded = 0, timeCodes = 0;
        double worstDifference = 0;
        for (std::uint32_t n = 0; n < 20; ++n) {
            const I420Image picture = patternAt(step.width, step.height, n);
            auto encoded = (*encoder)->encode(picture, false);
            REQUIRE(encoded);
            if (!*encoded) continue;  // rate control skipped it
            if (n == 0) CHECK((*encoded)->keyframe);
            auto back = (*decoder)->decode((**encoded).bytes);
            REQUIRE(back);
            ++decoded;
            if (TestPattern::readTime(*back, kStartUs) == kStartUs + n * 33'333) ++timeCodes;
            worstDifference = std::max(worstDifference, lumaDifference(picture, *back));
        }
        INFO(step.name << ": " << decoded << " decoded, " << timeCodes << " time codes, worst luma difference "
                       << worstDifference);
        CHECK(decoded >= 18);
        CHECK(timeCodes == decoded);
        CHECK(worstDifference < 12);  // the bars and blocks, not noise
    }
}

TEST_CASE("the encoder makes a keyframe when asked and at least every three seconds", "[video]") {
    auto encoder = Vp8Encoder::create({320, 180, 15, 150, 3, 1});
    REQUIRE(encoder);
    std::vector<int> keyframes;
    for (std::uint32_t n = 0; n < 120; ++n) {  // 8 s at 15 fps
        auto encoded = (*encoder)->encode(patternAt(320, 180, n), n == 20);
        REQUIRE(encoded);
        if (*encoded && (*encoded)->keyframe) keyframes.push_back(static_cast<int>(n));
    }
    REQUIRE(keyframes.size() >= 3);
    CHECK(keyframes[0] == 0);
    CHECK(keyframes[1] == 20);  // asked for
    for (std::size_t i = 1; i < keyframes.size(); ++i) CHECK(keyframes[i] - keyframes[i - 1] <= 45);
}

TEST_CASE("the encoder keeps to the bitrate it is given, and a new one takes effect", "[video]") {
    auto encoder = Vp8Encoder::create({640, 360, 30, 500, 3, 1});
    REQUIRE(encoder);
    // A camera's picture is never clean: noise on the bars makes the encoder spend what it may.
    std::minstd_rand random(3);
    const auto noisy = [&](std::uint32_t n) {
        I420Image picture = patternAt(640, 360, n);
        for (int i = 640 * 60; i < 640 * 360; ++i)
            picture.y()[i] = static_cast<std::uint8_t>(std::clamp(int{picture.y()[i]} + int(random() % 41) - 20, 0, 255));
        return picture;
    };
    const auto bitsPerSecond = [&](std::uint32_t from) {
        std::size_t bytes = 0;
        for (std::uint32_t n = from; n < from + 90; ++n) {
            auto encoded = (*encoder)->encode(noisy(n), false);
            REQUIRE(encoded);
            if (*encoded) bytes += (**encoded).bytes.size();
        }
        return static_cast<double>(bytes) * 8 / 3.0;
    };
    bitsPerSecond(0);  // the first keyframe and rate control settling
    const double at500 = bitsPerSecond(90);
    (*encoder)->setBitrateKbps(150);
    bitsPerSecond(180);
    const double at150 = bitsPerSecond(270);
    INFO("500 kbit/s asked: " << at500 / 1000 << " kbit/s; 150 asked: " << at150 / 1000);
    CHECK(at500 > 500'000 * 0.6);
    CHECK(at500 < 500'000 * 1.3);
    CHECK(at150 > 150'000 * 0.6);
    CHECK(at150 < 150'000 * 1.3);
}

TEST_CASE("a decoder that missed a frame says so until a keyframe comes", "[video]") {
    auto encoder = Vp8Encoder::create({320, 180, 30, 300, 3, 1});
    auto decoder = Vp8Decoder::create(1);
    REQUIRE(encoder);
    REQUIRE(decoder);
    std::vector<EncodedVideo> frames;
    for (std::uint32_t n = 0; n < 10; ++n) {
        auto encoded = (*encoder)->encode(patternAt(320, 180, n), n == 8);
        REQUIRE(encoded);
        REQUIRE(*encoded);
        frames.push_back(**encoded);
    }
    REQUIRE(frames[8].keyframe);
    REQUIRE((*decoder)->decode(frames[0].bytes));
    // Frame 1 lost: VP8 may decode frame 2 with damage, but a keyframe always brings it back.
    auto afterKeyframe = (*decoder)->decode(frames[8].bytes);
    REQUIRE(afterKeyframe);
    CHECK(TestPattern::readTime(*afterKeyframe, kStartUs) == kStartUs + 8 * 33'333);
    // Garbage is an error, not a crash.
    const std::vector<std::uint8_t> garbage(500, 0xAB);
    CHECK_FALSE((*decoder)->decode(garbage));
}

TEST_CASE("the rate controller steps down at once, pauses before audio suffers, and climbs back slowly", "[video]") {
    VideoRateController rate(4);  // 720p30
    std::int64_t now = 0;
    const LineSignals clean{};
    LineSignals lossy{};
    lossy.worstLossPercent = 5;
    CHECK(rate.update(clean, now) == 4);
    CHECK(rate.update(lossy, now += 1'000'000) == 3);
    CHECK(rate.update(lossy, now += 500'000) == 3);  // a moment for the line to show the step's effect
    CHECK(rate.update(lossy, now += 500'000) == 2);
    // Heavy loss: straight to the bottom.
    LineSignals heavy{};
    heavy.worstLossPercent = 20;
    CHECK(rate.update(heavy, now += 1'000'000) == 0);
    // Strained at the bottom for 2 s: paused.
    rate.update(heavy, now += 1'000'000);
    CHECK(rate.update(heavy, now += 1'000'000) == -1);
    CHECK(rate.paused());
    // Paused 5 s, then the bottom step again; clean for 6 s a step, one at a time.
    CHECK(rate.update(clean, now += 4'000'000) == -1);
    CHECK(rate.update(clean, now += 1'000'000) == 0);
    for (int s = 0; s < 5; ++s) CHECK(rate.update(clean, now += 1'000'000) == 0);
    CHECK(rate.update(clean, now += 1'000'000) == 1);
    // The sender's audio losing: video pauses at once from any step.
    VideoRateController busy(3);
    LineSignals audio{};
    audio.audioStrained = true;
    CHECK(busy.update(audio, 1'000'000) == 0);
    CHECK(busy.update(audio, 2'000'000) == -1);
    // The server dropping frames toward a slow receiver, or the sender's own backlog, is strain.
    VideoRateController slow(2);
    LineSignals dropped{};
    dropped.droppedByServer = 4;
    CHECK(slow.update(dropped, 1'000'000) == 1);
    LineSignals backlog{};
    backlog.sendBacklogUs = 400'000;
    CHECK(slow.update(backlog, 2'100'000) == 0);
    // A fresh camera starts at the bottom and climbs a step every 2 s while the line is clean.
    VideoRateController fresh;
    CHECK(fresh.step() == 0);
    std::int64_t t = 0;
    std::vector<int> steps;
    for (int s = 0; s <= 10; ++s) steps.push_back(fresh.update(clean, t += 1'000'000));
    CHECK(steps == std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4});
    // Never above the highest step allowed.
    VideoRateController capped(4, 1);
    CHECK(capped.step() == 1);
}

TEST_CASE("the native clients ask the large layer of the large tile, the small one of every other camera", "[video]") {
    using samspil::client_video::chooseLayers;
    using samspil::client_video::VideoLayout;
    using namespace samspil::protocol;
    const auto peer = [](std::uint32_t id, CameraState camera = CameraState::On, bool blocked = false) {
        PeerInfo p;
        p.participantId = id;
        p.streamId = static_cast<std::uint16_t>(100 + id);
        p.camera = camera;
        p.cameraBlocked = blocked;
        return p;
    };
    const std::vector<PeerInfo> others{peer(1), peer(2), peer(3, CameraState::Paused), peer(4, CameraState::On, true),
                                       peer(5, CameraState::Off)};
    auto choice = chooseLayers(others, VideoLayout::Grid, 0, std::nullopt);
    CHECK_FALSE(choice.largeStream);
    CHECK(choice.layers.at(101) == VideoLayer::Small);
    CHECK(choice.layers.at(102) == VideoLayer::Small);
    for (const int none : {103, 104, 105}) CHECK_FALSE(choice.layers.at(static_cast<std::uint16_t>(none)));
    choice = chooseLayers(others, VideoLayout::Grid, 2, std::nullopt);
    CHECK(choice.largeStream == 102);
    CHECK(choice.layers.at(102) == VideoLayer::Large);
    CHECK(chooseLayers(others, VideoLayout::OneLarge, 0, 101).layers.at(101) == VideoLayer::Large);
    CHECK(chooseLayers(others, VideoLayout::OneLarge, 0, std::nullopt).largeStream == 101);
    CHECK(chooseLayers({peer(7)}, VideoLayout::Grid, 0, std::nullopt).layers.at(107) == VideoLayer::Large);
    CHECK_FALSE(chooseLayers(others, VideoLayout::Grid, 5, std::nullopt).largeStream);  // pinned, but camera off
}
