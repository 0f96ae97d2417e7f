#include "cli_options.h"

#include "samspil/audio/opus_codec.h"
#include "samspil/base/parse_number.h"
#include "samspil/video/video_ladder.h"

#include <algorithm>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace samspil::cli {

std::string cliHelpText() {
    return R"(samspil-cli — a headless Samspil participant (tests, load, recording bots).

Usage: samspil-cli --server ws://HOST:PORT --room CODE --name NAME [options]
       samspil-cli --server ws://HOST:PORT --line-check

  --server URL        the server, e.g. ws://127.0.0.1:7400 (path /ws is implied)
  --room CODE         room to join (letters, digits, - and _)
  --name NAME         display name shown to the others
  --send FILE.wav     send this 48 kHz WAV file once, then silence
  --tone HZ           send a sine tone instead
  --tone-level X      peak amplitude of the tone, 0..1 (default 0.5)
  --record DIR        write each remote participant's audio, as heard, to DIR/<name>.wav
  --duration SECONDS  leave after this long (default: run until Ctrl-C)
  --frame-ms MS       frame size: 2.5, 5 (default), 10 or 20
  --channels N        1 (default) or 2
  --bitrate BPS       Opus bitrate (default 64000)
  --chat TEXT         send a chat line once joined (repeatable)
  --token TOKEN       session token (accounts)
  --invite CODE       invite code (guests)
  --sign-in LOGIN     sign in through the server's API first; the password comes from
                      --password-file FILE or $SAMSPIL_PASSWORD
  --admit-all         when holding the room's controls (a teacher), let in everyone who
                      waits in the waiting room
  --record-lesson     when holding the room's controls in a school's room, record the
                      lesson from then on, and stop the recording before leaving
  --record-take       when holding the room's controls and the room's metronome runs,
                      record a take: a bar's count-in, then from the next bar line until
                      this client leaves
  --play-on-click     send a click on every beat of the room's metronome, as a musician
                      playing exactly on the click they hear (added to --tone or --send)
  --metronome BPM[/BEATS]  once joined, start the room's metronome (the teacher in a
                      school's room, anyone in an open room): BPM 20-400, BEATS per bar
                      1-16 (default 4); every client in the room clicks on its grid
  --interval-bars N   with --metronome: the room in interval mode, everyone hearing the
                      others N bars (1-16) after they played, on the grid
  --live-after SECONDS  with --interval-bars: switch the room back to live this long
                      after this client started
  --record-output FILE  write what this client plays — the room's mix and its clicks — to
                      a WAV whose first sample is played at the report's
                      recording_start_local_us
  --insecure          accept a self-signed wss certificate
  --no-udp            keep media on the WebSocket (by default it takes the server's
                      UDP fast path when one is offered and gets through)
  --udp-redundancy N  on UDP, repeat the previous 0, 1 (default) or 2 frames in each
                      datagram, so a lost one is filled from the next
  --ca FILE           extra CA certificates (PEM) for wss
  --video CAMERA      turn the camera on once joined: test-pattern (moving bars with the
                      capture time in the picture) or a V4L2 device such as /dev/video0;
                      sent at the step of the ladder the line carries, paused when even
                      the lowest would hurt the audio
  --video-max STEP    the best step to send: 180p15, 360p15, 360p30, 540p30 or 720p30
                      (default)
  --watch LAYER       what to receive of each camera in the room: large (default), small
                      or none; --stats then gives glass-to-glass figures read from the
                      senders' test patterns
  --stats             print one JSON object with the session's figures at the end
  --line-check        measure round trip, jitter and loss to the server (50 probes over
                      the WebSocket, no room joined), print them as JSON and exit
  --help              this text

Without --send or --tone the client only listens. In a school's room a student waits
in the waiting room until the teacher lets them in. Frames are paced by the clock,
as a sound card would deliver them. Exit codes: 0 done, 2 bad options,
3 the server refused the join, 4 never reached the server.
)";
}

Expected<CliOptions, std::string> parseCliOptions(const std::vector<std::string>& args) {
    CliOptions options;
    bool watchGiven = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& name = args[i];
        auto value = [&]() -> Expected<std::string, std::string> {
            if (i + 1 >= args.size()) return Unexpected{name + " needs a value"};
            return args[++i];
        };
        auto number = [&](double min, double max) -> Expected<double, std::string> {
            auto text = value();
            if (!text) return Unexpected{text.error()};
            auto parsed = parseNumber(*text);
            if (!parsed || *parsed < min || *parsed > max) return Unexpected{name + " is out of range: " + *text};
            return *parsed;
        };
#define SAMSPIL_TAKE(target, expr)                          \
    {                                                       \
        auto taken = (expr);                                \
        if (!taken) return Unexpected{taken.error()};       \
        target = *taken;                                    \
    }
        if (name == "--help" || name == "-h") {
            options.showHelp = true;
        } else if (name == "--server") {
            SAMSPIL_TAKE(options.server, value());
        } else if (name == "--room") {
            SAMSPIL_TAKE(options.room, value());
        } else if (name == "--name") {
            SAMSPIL_TAKE(options.name, value());
        } else if (name == "--send") {
            SAMSPIL_TAKE(options.sendFile, value());
        } else if (name == "--tone") {
            SAMSPIL_TAKE(options.toneHz, number(1, 23999));
        } else if (name == "--tone-level") {
            SAMSPIL_TAKE(options.toneLevel, number(0, 1));
        } else if (name == "--record") {
            SAMSPIL_TAKE(options.recordDir, value());
        } else if (name == "--duration") {
            SAMSPIL_TAKE(options.durationSeconds, number(0.01, 1e7));
        } else if (name == "--frame-ms") {
            double ms = 0;
            SAMSPIL_TAKE(ms, number(0, 1000));
            options.frameSamples = frameSamplesForMilliseconds(ms);
            if (options.frameSamples == 0) return Unexpected{std::string("--frame-ms must be 2.5, 5, 10 or 20")};
        } else if (name == "--channels") {
            double channels = 0;
            SAMSPIL_TAKE(channels, number(1, 2));
            options.channels = static_cast<int>(channels);
        } else if (name == "--bitrate") {
            double bitrate = 0;
            SAMSPIL_TAKE(bitrate, number(6000, 510000));
            options.bitrate = static_cast<int>(bitrate);
        } else if (name == "--chat") {
            std::string line;
            SAMSPIL_TAKE(line, value());
            options.chat.push_back(line);
        } else if (name == "--token") {
            SAMSPIL_TAKE(options.token, value());
        } else if (name == "--invite") {
            SAMSPIL_TAKE(options.invite, value());
        } else if (name == "--sign-in") {
            SAMSPIL_TAKE(options.signInLogin, value());
        } else if (name == "--password-file") {
            SAMSPIL_TAKE(options.passwordFile, value());
        } else if (name == "--insecure") {
            options.allowSelfSigned = true;
        } else if (name == "--no-udp") {
            options.useUdp = false;
        } else if (name == "--udp-redundancy") {
            double copies = 0;
            SAMSPIL_TAKE(copies, number(0, 2));
            options.udpRedundancy = static_cast<int>(copies);
        } else if (name == "--admit-all") {
            options.admitAll = true;
        } else if (name == "--record-lesson") {
            options.recordLesson = true;
        } else if (name == "--record-take") {
            options.recordTake = true;
        } else if (name == "--play-on-click") {
            options.playOnClick = true;
        } else if (name == "--metronome") {
            std::string text;
            SAMSPIL_TAKE(text, value());
            const auto slash = text.find('/');
            const auto bpm = parseNumber(text.substr(0, slash));
            const auto beats = slash == std::string::npos ? std::optional<double>(4) : parseNumber(text.substr(slash + 1));
            if (!bpm || *bpm < 20 || *bpm > 400 || !beats || *beats < 1 || *beats > 16 || *beats != std::floor(*beats))
                return Unexpected{"--metronome needs BPM (20-400) or BPM/BEATS (beats 1-16), not " + text};
            options.metronomeBpm = *bpm;
            options.metronomeBeats = static_cast<int>(*beats);
        } else if (name == "--interval-bars") {
            double bars = 0;
            SAMSPIL_TAKE(bars, number(1, 16));
            if (bars != std::floor(bars)) return Unexpected{std::string("--interval-bars takes a whole number of bars")};
            options.intervalBars = static_cast<int>(bars);
        } else if (name == "--live-after") {
            SAMSPIL_TAKE(options.liveAfterSeconds, number(0, 1e7));
        } else if (name == "--record-output") {
            SAMSPIL_TAKE(options.recordOutput, value());
        } else if (name == "--ca") {
            SAMSPIL_TAKE(options.caFile, value());
        } else if (name == "--video") {
            SAMSPIL_TAKE(options.camera, value());
        } else if (name == "--video-max") {
            std::string step;
            SAMSPIL_TAKE(step, value());
            const auto& ladder = video::kVideoLadder;
            const auto found = std::find_if(ladder.begin(), ladder.end(), [&](const video::VideoStep& s) { return step == s.name; });
            if (found == ladder.end()) return Unexpected{"--video-max must be one of 180p15, 360p15, 360p30, 540p30, 720p30"};
            options.videoHighestStep = static_cast<int>(found - ladder.begin());
        } else if (name == "--watch") {
            std::string layer;
            SAMSPIL_TAKE(layer, value());
            watchGiven = true;
            if (layer == "none") {
                options.watchLayer.reset();
            } else if (const auto parsed = protocol::videoLayerFromName(layer)) {
                options.watchLayer = *parsed;
            } else {
                return Unexpected{std::string("--watch must be large, small or none")};
            }
        } else if (name == "--stats") {
            options.stats = true;
        } else if (name == "--line-check") {
            options.lineCheck = true;
        } else {
            return Unexpected{"unknown option " + name + " (see --help)"};
        }
#undef SAMSPIL_TAKE
    }
    if (options.showHelp) return options;
    if (options.lineCheck && !options.server.empty()) return options;
    if (options.server.empty() || options.room.empty() || options.name.empty())
        return Unexpected{std::string("--server, --room and --name are required (see --help)")};
    if (options.sendFile && options.toneHz) return Unexpected{std::string("choose --send or --tone, not both")};
    if (options.recordLesson && options.recordTake)
        return Unexpected{std::string("choose --record-lesson or --record-take, not both")};
    if (options.intervalBars > 0 && !options.metronomeBpm)
        return Unexpected{std::string("--interval-bars needs --metronome: interval mode runs on the room's grid")};
    if (options.liveAfterSeconds && options.intervalBars == 0)
        return Unexpected{std::string("--live-after needs --interval-bars")};
    if (options.camera && !watchGiven) options.watchLayer = protocol::VideoLayer::Large;  // a lesson with video: see the others too
    return options;
}

}  // namespace samspil::cli
