// The desktop app end to end, with real parts: the app under Xvfb on JACK's dummy driver,
// the real server, samspil-cli participants, jack_rec and jack_metro.
#include "connection_cut.h"
#include "desktop_app.h"
#include "jack_session.h"
#include "samspil/settings/client_settings.h"
#include "samspil/time/clock.h"
#include "samspil/audio/wav_file.h"
#include "school_fixture.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

// Click onsets in a recording: a rise above threshold after at least 200 ms of quiet.
std::vector<std::size_t> clickOnsets(const std::vector<float>& audio, float threshold) {
    std::vector<std::size_t> onsets;
    std::size_t from = 0;
    while (auto onset = findOnset(audio, threshold, from)) {
        onsets.push_back(*onset);
        from = *onset + 48000 / 5;  // the click (100 ms) is over by then
        while (from < audio.size() && longestQuietRun(audio, from, std::min(audio.size(), from + 48000 / 10), threshold) < 48000 / 10)
            from += 48000 / 20;
    }
    return onsets;
}

}  // namespace

TEST_CASE("desktop app: a student's tone comes out of the app's JACK output and the app's clicks reach the student",
          "[desktop][jack]") {
    TempDir dir;
    JackSession jack(dir);
    TestServer server(dir);
    DesktopApp app(dir, "teacher",
                   {"--server", server.url(), "--room", "lesson", "--name", "Teacher", "--join", "--audio-driver", "JACK",
                    "--quit-after", "40"});
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(20)));
    CHECK(app.output().find("samspil: audio JACK") != std::string::npos);
    REQUIRE(jack.waitForPort("Samspil:out_1", std::chrono::seconds(5)));

    SECTION("cli tone → app → JACK output") {
        CliRun student(dir, "student", {"--server", server.url(), "--room", "lesson", "--name", "Student", "--tone", "440",
                                        "--duration", "7"});
        std::this_thread::sleep_for(std::chrono::seconds(2));  // joined, and the app's buffer settled
        REQUIRE(jack.record({"Samspil:out_1", "Samspil:out_2"}, dir.file("app-out.wav"), 3));
        REQUIRE(student.finish() == 0);
        auto recorded = readWavFile(dir.file("app-out.wav"));
        REQUIRE(recorded);
        REQUIRE(recorded->channels == 2);
        const auto left = recorded->channel(0);
        const auto right = recorded->channel(1);
        REQUIRE(left.size() >= 2 * 48000);
        // A centred mono participant at the default 0 dB: the tone's own level on both sides.
        CHECK(rms(left, 0, left.size()) == Approx(0.5 / std::sqrt(2.0)).epsilon(0.2));
        CHECK(rms(right, 0, right.size()) == Approx(rms(left, 0, left.size())).epsilon(0.05));
        const auto reference = makeTone(440, 0.5, left.size() + 48000);
        const auto aligned = align(reference, 0, 4800, left, -240, 0);
        const auto match = compareWindowed(reference, 0, left.size() - 4800, left, aligned.lag, 2400, 120, 0.9);
        std::cout << "desktop: tone correlation median " << match.medianCorrelation << ", windows above 0.9: "
                  << match.fractionAbove << "\n";
        CHECK(match.medianCorrelation > 0.95);
        // The machine's hypervisor takes 2–8 % of the CPU in bursts (vmstat's "st"); one burst
        // costs a few 50 ms windows a concealed frame each (0.88 seen once in 20 runs).
        CHECK(match.fractionAbove > 0.8);
    }

    SECTION("jack_metro → app input → cli, with the click-to-ear latency") {
        ChildProcess metro("jack_metro", {"--bpm", "120", "--name", "metro", "--frequency", "1000", "--duration", "60"}, dir.path(),
                           dir.file("metro"));
        REQUIRE(jack.waitForPort("metro:120_bpm", std::chrono::seconds(5)));
        jack.disconnect("system:capture_1", "Samspil:in_1");
        REQUIRE(jack.connect("metro:120_bpm", "Samspil:in_1"));
        ChildProcess probe(jackProbeBinary(), {"--connect", "metro:120_bpm", "--seconds", "8"}, dir.path(), dir.file("probe"));
        CliRun listener(dir, "listener", {"--server", server.url(), "--room", "lesson", "--name", "Listener", "--record",
                                          dir.file("heard"), "--duration", "7"});
        REQUIRE(listener.finish() == 0);
        REQUIRE(probe.wait(std::chrono::seconds(15)) == 0);
        const auto clicks = nlohmann::json::parse(probe.stdoutText());
        const std::vector<std::int64_t> enteredUs = clicks["onsets_us"].get<std::vector<std::int64_t>>();
        REQUIRE(enteredUs.size() >= 10);
        // 500 ms apart at 120 bpm when JACK's dummy driver keeps time; a busy machine makes it slip.
        const double metroPeriodMs =
            static_cast<double>(enteredUs.back() - enteredUs.front()) / 1000.0 / static_cast<double>(enteredUs.size() - 1);
        // How far JACK's clock ran from the real one: a sound card's crystal is off by tens of
        // ppm (200 at the very worst); the dummy driver on a busy 2-core VM was 4000 ppm slow in some runs.
        const double jackDriftPpm = (metroPeriodMs / 500.0 - 1.0) * 1e6;
        std::cout << "desktop: JACK's clicks came every " << metroPeriodMs << " ms (JACK's clock " << jackDriftPpm << " ppm off)\n";

        auto heard = readWavFile(dir.file("heard/Teacher.wav"));
        REQUIRE(heard);
        const auto audio = heard->channel(0);
        const auto onsets = clickOnsets(audio, 0.02f);
        const auto recordingStartUs = listener.stats()["recording_start_local_us"].get<std::int64_t>();
        // Each click heard is matched to the click that entered JACK just before it.
        std::vector<double> latenciesMs;
        std::cout << "desktop: click-to-ear in the order heard (ms):";
        for (const std::size_t onset : onsets) {
            const std::int64_t heardUs = recordingStartUs + static_cast<std::int64_t>(onset) * 1'000'000 / 48000;
            const auto entered = std::upper_bound(enteredUs.begin(), enteredUs.end(), heardUs);
            if (entered == enteredUs.begin()) continue;
            latenciesMs.push_back(static_cast<double>(heardUs - *std::prev(entered)) / 1000.0);
            std::cout << " " << latenciesMs.back();
        }
        std::cout << "\n";
        REQUIRE(latenciesMs.size() >= 8);  // ~2 clicks a second for the recorded seconds
        std::sort(latenciesMs.begin(), latenciesMs.end());
        const double median = latenciesMs[latenciesMs.size() / 2];
        std::cout << "desktop: click-to-ear over " << latenciesMs.size() << " clicks: min " << latenciesMs.front()
                  << " ms, median " << median << " ms, max " << latenciesMs.back() << " ms; the cli's estimate from timestamps: "
                  << (*listener.peerNamed("Teacher"))["mouth_to_ear_ms"]["p50"].get<double>() << " ms; the cli concealed "
                  << (*listener.peerNamed("Teacher"))["concealed"] << " frames and dropped " << (*listener.peerNamed("Teacher"))["stale"]
                  << " as stale\n";
        // One JACK period in, a 5 ms frame, Opus look-ahead, loopback, the cli's buffer: tens of
        // ms, not hundreds, and never less than a frame. (JACK's dummy driver misses periods on
        // a busy machine, so single clicks can stand out either way: the quartiles are checked.)
        const double lowerQuartile = latenciesMs[latenciesMs.size() / 4];
        const double upperQuartile = latenciesMs[latenciesMs.size() * 3 / 4];
        CHECK(lowerQuartile > 3.0);
        CHECK(median < 60.0);
        // Steady, not drifting: the middle half of the clicks within 10 ms of each other, plus
        // whatever the cli's jitter buffer visibly learnt on the way (a hiccup in the app's
        // sending makes it hold a few frames more for a while; a drift would not show there).
        const auto targets = (*listener.peerNamed("Teacher"))["jitter_buffer"]["target_ms_each_second"].get<std::vector<double>>();
        const double learntMs = targets.size() < 3 ? 0.0
                                                   : *std::max_element(targets.begin() + 1, targets.end()) -
                                                         *std::min_element(targets.begin() + 1, targets.end());
        std::cout << "desktop: the cli's jitter buffer target moved by " << learntMs << " ms after its first second\n";
        // A sender whose clock runs thousands of ppm slow does drift against the listener
        // (4000 ppm is 28 ms in 7 s): that is the test machine's JACK, not something to hold.
        if (std::fabs(jackDriftPpm) <= 200.0)
            CHECK(upperQuartile - lowerQuartile < 10.0 + learntMs);
        else
            std::cout << "desktop: JACK's dummy driver ran off by more than any sound card: steadiness not held\n";
        // And the cli's own estimate from the media timestamps agrees with the measurement. The
        // app's stream epoch follows the dummy driver's drifting clock in 0.5 s steps, so the
        // estimate runs a few ms above the clicks when the driver slips (docs/desktop.md).
        const auto* teacher = listener.peerNamed("Teacher");
        REQUIRE(teacher);
        // Below by at most 8 ms; above by up to 15 ms, the driver's slips (on the 2-vCPU VM the
        // estimate ran 8.2–13.6 ms above the clicks in 4 of 8 runs, with the jitter buffer of
        // this stop and of the one before alike).
        const double estimateMs = (*teacher)["mouth_to_ear_ms"]["p50"].get<double>();
        CHECK(estimateMs >= median - 8.0);
        CHECK(estimateMs <= median + 15.0);
    }
    app.process().signal();
    CHECK(app.process().wait(std::chrono::seconds(10)).has_value());
}

TEST_CASE("desktop app: a server restart shows reconnecting, then the app is back in the room by itself", "[desktop]") {
    TempDir dir;
    JackSession jack(dir);
    auto server = std::make_unique<TestServer>(dir);
    const int port = server->port();
    DesktopApp app(dir, "student", {"--server", server->url(), "--room", "r", "--name", "Ada", "--join", "--audio-driver",
                                    "JACK", "--quit-after", "30"});
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(20)));
    CHECK(server->stop() == 0);
    server.reset();
    REQUIRE(app.waitForOutput("samspil: reconnecting", std::chrono::seconds(10)));
    server = std::make_unique<TestServer>(dir, std::vector<std::string>{}, port);
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(15), 2));
    CHECK(app.process().running());
    app.process().signal();
    app.process().wait(std::chrono::seconds(10));
}

TEST_CASE("desktop app: a wrong address and a refused join each say why - also in Danish - and no audio device is a sentence, not a crash",
          "[desktop]") {
    TempDir dir;
    int closedPort = 0;
    {
        TestServer gone(dir);
        closedPort = gone.port();
    }
    // No JACK server runs here and the container has no sound card: the app must still start.
    DesktopApp wrongAddress(dir, "wrong", {"--server", "ws://127.0.0.1:" + std::to_string(closedPort), "--room", "r", "--name",
                                           "Ada", "--join", "--audio-driver", "JACK", "--quit-after", "8"});
    REQUIRE(wrongAddress.waitForOutput("samspil: reconnecting", std::chrono::seconds(20)));
    CHECK(wrongAddress.output().find("cannot connect") != std::string::npos);

    TestServer school(dir, {}, 0, /*openRooms=*/false);
    DesktopApp refused(dir, "refused", {"--server", school.url(), "--room", "r", "--name", "Ada", "--join", "--quit-after", "8"});
    REQUIRE(refused.waitForOutput("samspil: refused", std::chrono::seconds(20)));
    CHECK(refused.output().find("Not let in:") != std::string::npos);
    // The same in Danish, for a Danish child: the app's words and its own sentence for the
    // server's reason (not_allowed) are Danish, and the choice is remembered.
    DesktopApp danish(dir, "danish", {"--server", school.url(), "--room", "r", "--name", "Ida", "--join", "--language", "da",
                                      "--quit-after", "8"});
    REQUIRE(danish.waitForOutput("samspil: refused", std::chrono::seconds(20)));
    INFO(danish.output());
    CHECK(danish.output().find("Du kom ikke ind: Det har du ikke lov til her.") != std::string::npos);
    CHECK(danish.output().find("Not let in:") == std::string::npos);

    CHECK(wrongAddress.process().wait(std::chrono::seconds(20)) == 0);
    CHECK(refused.process().wait(std::chrono::seconds(20)) == 0);
    CHECK(danish.process().wait(std::chrono::seconds(20)) == 0);
    CHECK(loadClientSettings(dir.file("danish-settings.json")).language == "da");
    // Without a JACK server: no device at all, another driver in its place, or one that is
    // there but cannot open (ALSA's default routed to a PulseAudio that is not running) —
    // said in a sentence every time.
    const std::string said = wrongAddress.output();
    CHECK((said.find("No audio device was found (JACK has none running).") != std::string::npos ||
           said.find("JACK is not available here; using") != std::string::npos ||
           said.find("The audio device could not be opened: ") != std::string::npos));
}

TEST_CASE("desktop app: --help answers on the terminal without a display", "[desktop]") {
    TempDir dir;
    ChildProcess help(desktopBinary(), {"--help"}, dir.path(), dir.file("help"));
    REQUIRE(help.wait(std::chrono::seconds(10)) == 0);
    CHECK(help.stdoutText().find("--join") != std::string::npos);
    ChildProcess bad(desktopBinary(), {"--frame-ms", "7"}, dir.path(), dir.file("bad"));
    CHECK(bad.wait(std::chrono::seconds(10)) == 2);
    CHECK(bad.stderrText().find("2.5, 5 or 10") != std::string::npos);
}

TEST_CASE("desktop app: a student in a school's lesson is shown, and told on its status line, that the teacher records it - or a take",
          "[desktop][jack][recording]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    JackSession jack(f.dir);
    DesktopApp app(f.dir, "student",
                   {"--server", f.server->url(), "--room", "klaver-1", "--name", "student", "--token", f.token["student"],
                    "--join", "--audio-driver", "JACK", "--quit-after", "40"});
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(20)));
    CHECK(app.output().find("being recorded") == std::string::npos);
    const std::string passwordFile = f.dir.file("pw-teacher");
    std::ofstream(passwordFile) << "password-teacher\n";
    CliRun teacher(f.dir, "teacher",
                   {"--server", f.server->url(), "--room", "klaver-1", "--name", "teacher", "--sign-in", "teacher@school",
                    "--password-file", passwordFile, "--record-lesson", "--tone", "440", "--duration", "7"});
    CHECK(app.waitForOutput("samspil: the lesson is being recorded", std::chrono::seconds(10)));
    REQUIRE(teacher.finish() == 0);
    CHECK(app.waitForOutput("samspil: the recording has stopped", std::chrono::seconds(10)));
    CHECK(app.output().find("samspil: closed") == std::string::npos);  // still in the room
    // Then a take on the room's metronome: the app says what kind of recording it is.
    CliRun take(f.dir, "take",
                {"--server", f.server->url(), "--room", "klaver-1", "--name", "teacher", "--token", f.token["teacher"],
                 "--metronome", "120/4", "--record-take", "--duration", "4"});
    CHECK(app.waitForOutput("samspil: a take is being recorded at 120 BPM", std::chrono::seconds(10)));
    REQUIRE(take.finish() == 0);
    app.process().signal();
    CHECK(app.process().wait(std::chrono::seconds(10)).has_value());
}

TEST_CASE("desktop app: a student finds the recorded lesson under Recordings and hears its mix from the app's output",
          "[desktop][jack][recording]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    // The lesson: the teacher plays 660 Hz and records; the student joins and plays 440 Hz.
    {
        const std::string passwordFile = f.dir.file("pw-teacher");
        std::ofstream(passwordFile) << "password-teacher\n";
        CliRun teacher(f.dir, "teacher",
                       {"--server", f.server->url(), "--room", "klaver-1", "--name", "teacher", "--sign-in", "teacher@school",
                        "--password-file", passwordFile, "--record-lesson", "--tone", "660", "--duration", "4.5"});
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        CliRun student(f.dir, "student", {"--server", f.server->url(), "--room", "klaver-1", "--name", "student", "--token",
                                          f.token["student"], "--tone", "440", "--duration", "3.5"});
        REQUIRE(student.finish() == 0);
        REQUIRE(teacher.finish() == 0);
    }
    bool mixMade = false;
    for (int attempt = 0; attempt < 150 && !mixMade; ++attempt) {
        const auto list = f.call("GET", "recordings", nullptr, f.token["student"]);
        mixMade = list.status == 200 && list.body["recordings"].size() == 1 && list.body["recordings"][0]["mix"].is_string();
        if (!mixMade) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    REQUIRE(mixMade);

    JackSession jack(f.dir);
    DesktopApp app(f.dir, "student-listens",
                   {"--server", f.server->url(), "--token", f.token["student"], "--listen-newest", "--audio-driver", "JACK",
                    "--quit-after", "40", "--screenshot", f.dir.file("recordings.png"), "--screenshot-after", "10"});
    REQUIRE(app.waitForOutput("samspil: recordings: 1 listed", std::chrono::seconds(20)));
    REQUIRE(app.waitForOutput("samspil: playing the mix of", std::chrono::seconds(20)));
    REQUIRE(jack.record({"Samspil:out_1", "Samspil:out_2"}, f.dir.file("listened.wav"), 3));
    const auto heard = readWavFile(f.dir.file("listened.wav"));
    REQUIRE(heard);
    const auto left = heard->channel(0), right = heard->channel(1);
    REQUIRE(left.size() >= 2 * 48000);
    // From 1 s on (the student had joined by then): both are heard, on both sides.
    const std::size_t from = 48000, n = left.size() - from;
    const double teacherLeft = toneAmplitude(left, from, n, 660), studentLeft = toneAmplitude(left, from, n, 440);
    const double teacherRight = toneAmplitude(right, from, n, 660), studentRight = toneAmplitude(right, from, n, 440);
    std::cout << "desktop listening: teacher 660 Hz " << teacherLeft << " / " << teacherRight << ", student 440 Hz "
              << studentLeft << " / " << studentRight << " (left / right)\n";
    CHECK(teacherLeft > 0.05);
    CHECK(studentLeft > 0.05);
    CHECK(teacherRight > 0.05);
    CHECK(studentRight > 0.05);
    CHECK(toneAmplitude(left, from, n, 1000) < 0.01);
    CHECK(app.waitForOutput("samspil: playback ended", std::chrono::seconds(15)));
    CHECK(app.waitForOutput("samspil: screenshot saved", std::chrono::seconds(15)));
    CHECK(app.process().wait(std::chrono::seconds(10)) == 0);  // it quits after the screenshot
}

namespace {

// A samspil-cli's clicks from what it played (--record-output): beat → when it left, for
// clicks between fromUs and toUs; prints each click's error against the grid.
std::map<std::int64_t, std::int64_t> cliClicks(const std::string& name, const std::string& wav, const CliRun& run,
                                               std::int64_t gridStartUs, double beatUs, std::int64_t fromUs,
                                               std::int64_t toUs, std::vector<double>& errorsUs) {
    const auto audio = readWavFile(wav);
    REQUIRE(audio);
    const auto recordingStartUs = run.stats()["recording_start_local_us"].get<std::int64_t>();
    std::map<std::int64_t, std::int64_t> byBeat;
    std::cout << "desktop: room metronome, " << name << " error per click (ms):";
    for (const std::size_t onset : sampleOnsets(audio->channel(0), 0.02f, 4800)) {
        const std::int64_t t = recordingStartUs + static_cast<std::int64_t>(onset) * 1'000'000 / 48000;
        if (t < fromUs || t > toUs) continue;
        const auto beat = std::llround(static_cast<double>(t - gridStartUs) / beatUs);
        errorsUs.push_back(static_cast<double>(t - gridStartUs) - static_cast<double>(beat) * beatUs);
        std::cout << " " << errorsUs.back() / 1000;
        byBeat[beat] = t;
    }
    std::cout << "\n";
    return byBeat;
}

double worstAbs(const std::vector<double>& values) {
    double worst = 0;
    for (const double v : values) worst = std::max(worst, std::fabs(v));
    return worst;
}

}  // namespace

// Issue 13's three clients on one machine: the app under JACK and two clis, 30 s, one cli's
// connection cut half-way (it reconnects by itself). The server's clock is this host's, so
// each click's error against the grid is known exactly.
TEST_CASE("desktop app and two clis: the room's metronome leaves each on the server's grid and together for 30 s - also after one reconnects",
          "[desktop][jack][metronome]") {
    TempDir dir;
    TestServer server(dir);
    JackSession jack(dir);
    DesktopApp app(dir, "drummer", {"--server", server.url(), "--room", "band", "--name", "Drummer", "--join",
                                    "--audio-driver", "JACK", "--quit-after", "60"});
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(20)));
    CliRun leader(dir, "leader", {"--server", server.url(), "--room", "band", "--name", "Leader", "--metronome", "150/4",
                                  "--record-output", dir.file("leader.wav"), "--duration", "38"});
    CliRun bassist(dir, "bassist", {"--server", server.url(), "--room", "band", "--name", "Bassist", "--frame-ms", "2.5",
                                    "--record-output", dir.file("bassist.wav"), "--duration", "37"});
    // Joined, the grid sent, the first clicks out — and settled: after a busy start on a
    // loaded machine a CI run saw the app's first clicks' measured error fall smoothly from
    // 12 ms to 0.1 ms over 4 s (JACK's frame-time filter or the clock estimate converging).
    std::this_thread::sleep_for(std::chrono::seconds(4));
    const std::int64_t fromUs = monotonicMicros();
    ChildProcess probe(jackProbeBinary(), {"--connect", "Samspil:out_1", "--seconds", "30", "--threshold", "0.05"},
                       dir.path(), dir.file("probe"));
    std::this_thread::sleep_for(std::chrono::seconds(14));
    // Half-way the bassist's line breaks: the kernel aborts its connection to the server.
    const std::int64_t cutUs = monotonicMicros();
    REQUIRE(cutTcpConnections(bassist.process().pid(), server.port()) == 1);
    REQUIRE(probe.wait(std::chrono::seconds(30)) == 0);
    const std::int64_t toUs = monotonicMicros() - 500'000;
    REQUIRE(leader.finish() == 0);
    REQUIRE(bassist.finish() == 0);
    CHECK(bassist.stats()["reconnects"].get<int>() >= 1);
    CHECK(leader.stats()["reconnects"].get<int>() == 0);

    const auto& grid = leader.stats()["metronome"];
    REQUIRE(grid.is_object());
    const auto start = grid["start_server_us"].get<std::int64_t>();
    const double beatUs = 60e6 / grid["bpm"].get<double>();
    CHECK(bassist.stats()["metronome"]["start_server_us"] == start);

    // The app: the probe sees a click as it enters JACK's graph; it leaves the card the
    // port's playback latency later.
    const auto clicks = nlohmann::json::parse(probe.stdoutText());
    const double latencyUs = clicks["playback_latency_frames"].get<double>() * 1e6 / 48000.0;
    std::vector<double> appErrorsUs;
    std::map<std::int64_t, std::int64_t> appByBeat;
    for (const std::int64_t entered : clicks["onsets_us"].get<std::vector<std::int64_t>>()) {
        const double leftUs = static_cast<double>(entered) + latencyUs;
        const auto beat = std::llround((leftUs - static_cast<double>(start)) / beatUs);
        appErrorsUs.push_back(leftUs - static_cast<double>(start) - static_cast<double>(beat) * beatUs);
        appByBeat[beat] = std::llround(leftUs);
    }
    std::cout << "desktop: room metronome at JACK's output (playback latency " << latencyUs / 1000 << " ms), error per click (ms):";
    for (const double e : appErrorsUs) std::cout << " " << e / 1000;
    std::cout << "\n";
    REQUIRE(appErrorsUs.size() >= 60);  // 2.5 clicks a second for 30 s
    auto sorted = appErrorsUs;
    std::sort(sorted.begin(), sorted.end());
    const double appMedian = sorted[sorted.size() / 2];
    std::cout << "desktop: room metronome error quartiles " << sorted[sorted.size() / 4] / 1000 << " / " << appMedian / 1000
              << " / " << sorted[sorted.size() * 3 / 4] / 1000 << " ms over " << sorted.size() << " clicks\n";
    // JACK's dummy driver stands in for a sound card only while its clock keeps time like one.
    const double jackSlowPpm = clicks["jack_slow_ppm"].get<double>();
    const bool jackKeptTime = std::fabs(jackSlowPpm) <= 200.0;
    std::cout << "desktop: JACK's clock ran " << jackSlowPpm << " ppm slow"
              << (jackKeptTime ? "\n" : ", more than any sound card: the app's clicks are not held to the grid\n");
    // The median click: where the app places clicks (epoch, position, output latency). Single
    // clicks are not held to it: JACK's dummy driver misses periods on a busy machine and then
    // neither the app's stream clock nor JACK's own frame times say when a sample "left" —
    // quiet runs gave every click within 0.05 ms, a CI run single clicks up to 6.4 ms off.
    if (jackKeptTime) CHECK(std::fabs(appMedian) <= 1500.0);

    // The clis: every click within ±1.5 ms of the grid, the bassist's also after it came back.
    std::vector<double> leaderErrors, bassistBefore, bassistAfter;
    const auto leaderByBeat = cliClicks("leader", dir.file("leader.wav"), leader, start, beatUs, fromUs, toUs, leaderErrors);
    auto bassistByBeat = cliClicks("bassist before the cut", dir.file("bassist.wav"), bassist, start, beatUs, fromUs, cutUs, bassistBefore);
    const auto afterCut = cliClicks("bassist after the cut", dir.file("bassist.wav"), bassist, start, beatUs, cutUs, toUs, bassistAfter);
    bassistByBeat.insert(afterCut.begin(), afterCut.end());
    std::cout << "desktop: room metronome, worst |error|: leader " << worstAbs(leaderErrors) / 1000 << " ms, bassist "
              << worstAbs(bassistBefore) / 1000 << " ms before the cut and " << worstAbs(bassistAfter) / 1000 << " ms after\n";
    CHECK(leaderErrors.size() >= 70);
    CHECK(bassistBefore.size() >= 30);
    CHECK(bassistAfter.size() >= 30);  // no beat lost to the reconnect
    CHECK(worstAbs(leaderErrors) <= 1500.0);
    CHECK(worstAbs(bassistBefore) <= 1500.0);
    CHECK(worstAbs(bassistAfter) <= 1500.0);

    // Together: the same beat from each pair of clients (the app by its median, as above).
    std::vector<double> leaderBassist, leaderApp;
    for (const auto& [beat, t] : leaderByBeat) {
        if (const auto other = bassistByBeat.find(beat); other != bassistByBeat.end())
            leaderBassist.push_back(static_cast<double>(t - other->second));
        if (const auto other = appByBeat.find(beat); other != appByBeat.end())
            leaderApp.push_back(std::fabs(static_cast<double>(t - other->second)));
    }
    REQUIRE(leaderApp.size() >= 60);
    std::sort(leaderApp.begin(), leaderApp.end());
    std::cout << "desktop: room metronome spread: leader-bassist widest " << worstAbs(leaderBassist) / 1000 << " ms over "
              << leaderBassist.size() << " beats; leader-app median " << leaderApp[leaderApp.size() / 2] / 1000 << " ms, widest "
              << leaderApp.back() / 1000 << " ms over " << leaderApp.size() << " beats\n";
    CHECK(leaderBassist.size() >= 65);
    CHECK(worstAbs(leaderBassist) <= 1500.0);
    if (jackKeptTime) CHECK(leaderApp[leaderApp.size() / 2] <= 1500.0);
    app.process().signal();
    CHECK(app.process().wait(std::chrono::seconds(10)).has_value());
}

TEST_CASE("desktop app: with its camera on, a cli sees the app's test pattern and the app the cli's, by their time "
          "codes - and the app still hears the cli",
          "[desktop][jack][video]") {
    TempDir dir;
    JackSession jack(dir);
    TestServer server(dir);
    CliRun teacher(dir, "teacher", {"--server", server.url(), "--room", "video", "--name", "Lise", "--tone", "440",
                                    "--video", "test-pattern", "--video-max", "360p30", "--duration", "16"});
    DesktopApp app(dir, "student", {"--server", server.url(), "--room", "video", "--name", "Ida", "--join", "--audio-driver",
                                    "JACK", "--camera", "test-pattern", "--camera-on", "--quit-after", "30"});
    REQUIRE(app.waitForOutput("samspil: joined", std::chrono::seconds(20)));
    REQUIRE(jack.waitForPort("Samspil:out_1", std::chrono::seconds(5)));
    // The app's tile for Lise shows pictures decoded from her frames, and their pixels carry
    // her pattern's time code (read back by the app, as glass to glass).
    const std::regex seen(R"(video from Lise: (\d+) pictures (\d+)x(\d+), (\d+) read by their time code)");
    std::smatch last;
    const bool sawLise = waitUntil(
        [&] {
            const std::string out = app.output();
            for (std::sregex_iterator it(out.begin(), out.end(), seen), end; it != end; ++it) last = *it;
            return !last.empty() && std::stoi(last[4].str()) >= 30;
        },
        std::chrono::seconds(20));
    INFO(app.output());
    REQUIRE(sawLise);
    CHECK(std::stoi(last[4].str()) >= std::stoi(last[1].str()) * 9 / 10);  // nearly every picture is hers, whole
    CHECK(app.output().find("samspil: camera on (test pattern)") != std::string::npos);
    // And it still hears her while the video runs.
    REQUIRE(jack.record({"Samspil:out_1", "Samspil:out_2"}, dir.file("app-out.wav"), 3));
    REQUIRE(teacher.finish() == 0);
    auto recorded = readWavFile(dir.file("app-out.wav"));
    REQUIRE(recorded);
    const auto match = compareWithTone(recorded->channel(0), 440, 2.5);
    std::cout << "desktop with video: " << last[0] << "; the tone's correlation " << match.medianCorrelation << " ("
              << match.fractionAbove * 100 << " % of windows)\n";
    CHECK(match.medianCorrelation > 0.95);
    CHECK(match.fractionAbove > 0.8);
    // The cli decoded the app's pictures and read the app's time code from them.
    const auto& video = teacher.stats()["video"];
    REQUIRE(video["received"].size() == 1);
    const auto& fromApp = video["received"][0];
    std::cout << "the cli sees the app: " << fromApp["frames_decoded"] << " pictures " << fromApp["width"] << "x"
              << fromApp["height"] << ", glass to glass " << fromApp["glass_to_glass_ms"].dump() << "\n";
    REQUIRE(fromApp["glass_to_glass_ms"].is_object());
    CHECK(fromApp["glass_to_glass_ms"]["frames"].get<int>() >= 30);
    app.process().signal();
    app.process().wait(std::chrono::seconds(10));
}
