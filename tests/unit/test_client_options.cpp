// What a teacher types or pastes: the desktop app's options, invite links, and the
// quality light's verdicts.
#include "app_options.h"
#include "samspil/net/connection_quality.h"
#include "samspil/protocol/invite_link.h"
#include "samspil/audio/mouth_to_ear.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/net/line_check.h"

#include <catch2/catch.hpp>

using namespace samspil;
using namespace samspil::desktop;

TEST_CASE("desktop options start a headless join and refuse nonsense", "[client][options]") {
    auto options = parseAppOptions({"--server", "ws://school:7400", "--room", "piano-3", "--name", "Ada", "--join",
                                    "--audio-driver", "JACK", "--frame-ms", "2.5", "--quit-after", "20"});
    REQUIRE(options);
    CHECK(*options->server == "ws://school:7400");
    CHECK(*options->room == "piano-3");
    CHECK(*options->name == "Ada");
    CHECK(options->join);
    CHECK(*options->audioDriver == "JACK");
    CHECK(*options->frameSamples == 120);
    CHECK(*options->quitAfterSeconds == 20.0);
    CHECK_FALSE(options->screenshotFile);
    CHECK_FALSE(options->listenNewest);
    CHECK(parseAppOptions({"--token", "t", "--listen-newest"})->listenNewest);

    CHECK(parseAppOptions({"--help"})->showHelp);
    CHECK(*parseAppOptions({"--language", "da"})->language == "da");
    CHECK(parseAppOptions({"--language", "de"}).error() == "--language must be da (Danish) or en (English)");
    CHECK(parseAppOptions({})->server == std::nullopt);
    CHECK(parseAppOptions({"--frame-ms", "20"}).error().find("2.5, 5 or 10") != std::string::npos);
    CHECK(parseAppOptions({"--frame-ms", "3"}).error().find("2.5, 5 or 10") != std::string::npos);
    CHECK(parseAppOptions({"--room"}).error() == "--room needs a value");
    CHECK(parseAppOptions({"--buffer", "abc"}).error().find("out of range") != std::string::npos);
    CHECK(parseAppOptions({"--frobnicate"}).error().find("unknown option --frobnicate") != std::string::npos);
    CHECK(appHelpText().find("--join") != std::string::npos);
}

TEST_CASE("an invite link from the teacher's email fills in server, room and invite", "[client][invite]") {
    auto link = parseInviteLink("  <samspil://samspil.school.example:7400/join?room=piano-3&invite=ABCD-EFGH>\n");
    REQUIRE(link);
    CHECK(link->serverUrl == "ws://samspil.school.example:7400");
    CHECK(link->room == "piano-3");
    CHECK(link->invite == "ABCD-EFGH");
    auto secure = parseInviteLink("samspils://school.example/join?invite=X1&room=r");
    REQUIRE(secure);
    CHECK(secure->serverUrl == "wss://school.example");
    CHECK(secure->room == "r");

    CHECK_FALSE(parseInviteLink("https://school.example/join?room=r&invite=x"));
    CHECK_FALSE(parseInviteLink("samspil://school.example/join?room=r"));
    CHECK_FALSE(parseInviteLink("samspil://school.example/join?room=bad room&invite=x"));
    CHECK_FALSE(parseInviteLink("samspil:///join?room=r&invite=x"));
    CHECK_FALSE(parseInviteLink("samspil://evil host/join?room=r&invite=x"));
    CHECK_FALSE(parseInviteLink(""));
}

TEST_CASE("the quality light follows round trip, jitter, loss and buffering", "[client][quality]") {
    QualityFigures good{8, 0.5, 0, 6, true};
    CHECK(rateConnection(good) == QualityLevel::Good);
    CHECK(rateConnection({8, 0.5, 0, 6, false}) == QualityLevel::Unknown);
    CHECK(rateConnection({45, 0.5, 0, 6, true}) == QualityLevel::Fair);
    CHECK(rateConnection({8, 6, 0, 6, true}) == QualityLevel::Fair);
    CHECK(rateConnection({8, 0.5, 5, 6, true}) == QualityLevel::Poor);
    CHECK(rateConnection({80, 0.5, 0, 6, true}) == QualityLevel::Poor);
    CHECK(qualityName(QualityLevel::Unknown) == "No audio");

    RecentLoss loss;
    CHECK(loss.update(200, 0) == 0.0);
    CHECK(loss.receivedSinceLastUpdate());
    const double burst = loss.update(390, 10);  // 10 of 200 lost in the last second
    CHECK(burst == Approx(2.0));
    CHECK(loss.update(590, 10) < burst);        // and it fades once the line is clean
    CHECK(loss.update(590, 10) < 1.0);
    CHECK_FALSE(loss.receivedSinceLastUpdate());
    CHECK(loss.update(10, 0) == Approx(0.0).margin(1.0));  // counters restarted: no negative loss
}

TEST_CASE("one rule rates a line for the quality light, the line check and the audio setup page", "[client][quality]") {
    CHECK(rateLine(8, 0.5, 0) == QualityLevel::Good);
    CHECK(rateLine(45, 0.5, 0) == QualityLevel::Fair);
    CHECK(rateLine(8, 0.5, 1) == QualityLevel::Fair);
    CHECK(rateLine(8, 12, 0) == QualityLevel::Poor);
    CHECK(rateLine(61, 0, 0) == QualityLevel::Poor);
    // The light adds the jitter buffer on top of the same rule.
    CHECK(rateConnection({8, 0.5, 0, 25, true}) == QualityLevel::Fair);
    CHECK(rateConnection({8, 0.5, 0, 45, true}) == QualityLevel::Poor);
    // The line check's sentence says what the rule says.
    net::LineCheckResult fair;
    fair.medianRoundTripMs = 45;
    CHECK(net::describeLineCheck(fair).rfind("Usable", 0) == 0);
    net::LineCheckResult poor;
    poor.medianRoundTripMs = 8;
    poor.lossPercent = 4;
    CHECK(net::describeLineCheck(poor).rfind("Too slow", 0) == 0);
    CHECK(net::describeLineCheck(net::LineCheckResult{}).rfind("Good", 0) == 0);
}

TEST_CASE("mouth to ear: played time minus capture time on the receiver's clock, Opus lookahead included",
          "[client][latency]") {
    // Sender's timestamp 0 was captured at server time 10 s; the receiver's clock is 2 s
    // behind the server's. Timestamp 480 (10 ms) decodes to sound captured at 10 ms − 2.5 ms.
    const std::int64_t epochServer = 10'000'000, offset = 2'000'000;
    CHECK(captureTimeLocalUs(epochServer, offset, 480) == 8'000'000 + 7'500);
    CHECK(mouthToEarMs(8'020'000, epochServer, offset, 480) == Approx(12.5));
    CHECK(isPlayerFrameSize(120));
    CHECK(isPlayerFrameSize(480));
    CHECK_FALSE(isPlayerFrameSize(960));
    CHECK(isSupportedFrameSize(960));
}
