#include "app_options.h"

#include "samspil/audio/opus_codec.h"
#include "samspil/base/parse_number.h"

#include <cstdlib>

namespace samspil::desktop {

std::string appHelpText() {
    return R"(Samspil — play and teach music together over the network.

Usage: samspil [options]

Without options the app opens with the server, name and audio setup it used last time.
These options fill in the connect screen (and are remembered like anything typed there):

  --server URL          the school's Samspil server, e.g. ws://samspil.school.example:7400
  --room CODE           the room to join
  --name NAME           your name as the others see it
  --token TOKEN         a session token from the school's sign-in
  --invite LINK|CODE    an invite link (samspil://...) or code from the teacher's email
  --join                join the room at once, without a click (needs server, room and name)
  --listen-newest       open Recordings and play the newest recorded lesson's mix (with --token)
  --language da|en      Danish or English (default: what was chosen last, else the system's
                        language: Danish for da, nb, nn and sv)

Audio:
  --audio-driver NAME   JACK or ALSA (default: what was used last, else the system default)
  --input NAME          input device   (JACK: the client to take input from, e.g. system)
  --output NAME         output device  (JACK: the client to play to, e.g. system)
  --buffer SAMPLES      audio buffer size
  --frame-ms MS         network frame: 2.5, 5 (default) or 10

Video:
  --camera DEVICE       the camera: a V4L2 device (default /dev/video0), or test-pattern
                        (moving bars with the capture time in the picture)
  --camera-on           turn the camera on once in the room (else it stays off until
                        you press "Turn camera on")

For tests and scripts:
  --settings FILE       read and write settings in FILE instead of the user's own
  --screenshot FILE     save a PNG of the window after --screenshot-after seconds
                        (default 3), then quit
  --quit-after SECONDS  leave the room and quit after this long
  --help                this text
)";
}

Expected<AppOptions, std::string> parseAppOptions(const std::vector<std::string>& args) {
    AppOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& name = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        auto text = [&](std::optional<std::string>& target) -> std::optional<std::string> {
            target = value();
            if (!target) return name + " needs a value";
            return std::nullopt;
        };
        auto number = [&](double min, double max) -> Expected<double, std::string> {
            const auto given = value();
            if (!given) return Unexpected{name + " needs a value"};
            const auto parsed = parseNumber(*given);
            if (!parsed || *parsed < min || *parsed > max) return Unexpected{name + " is out of range: " + *given};
            return *parsed;
        };
        std::optional<std::string> problem;
        if (name == "--help" || name == "-h") {
            options.showHelp = true;
        } else if (name == "--join") {
            options.join = true;
        } else if (name == "--listen-newest") {
            options.listenNewest = true;
        } else if (name == "--camera") {
            problem = text(options.camera);
        } else if (name == "--camera-on") {
            options.cameraOn = true;
        } else if (name == "--server") {
            problem = text(options.server);
        } else if (name == "--room") {
            problem = text(options.room);
        } else if (name == "--name") {
            problem = text(options.name);
        } else if (name == "--token") {
            problem = text(options.token);
        } else if (name == "--invite") {
            problem = text(options.invite);
        } else if (name == "--audio-driver") {
            problem = text(options.audioDriver);
        } else if (name == "--input") {
            problem = text(options.inputDevice);
        } else if (name == "--output") {
            problem = text(options.outputDevice);
        } else if (name == "--settings") {
            problem = text(options.settingsFile);
        } else if (name == "--language") {
            problem = text(options.language);
            if (!problem && *options.language != "da" && *options.language != "en")
                problem = "--language must be da (Danish) or en (English)";
        } else if (name == "--screenshot") {
            problem = text(options.screenshotFile);
        } else if (name == "--buffer") {
            auto n = number(16, 8192);
            if (!n) return Unexpected{n.error()};
            options.bufferSize = static_cast<int>(*n);
        } else if (name == "--frame-ms") {
            auto ms = number(0, 1000);
            if (!ms) return Unexpected{ms.error()};
            const int samples = static_cast<int>(*ms * 48.0);
            if (!isPlayerFrameSize(samples)) return Unexpected{std::string("--frame-ms must be 2.5, 5 or 10")};
            options.frameSamples = samples;
        } else if (name == "--screenshot-after") {
            auto seconds = number(0, 600);
            if (!seconds) return Unexpected{seconds.error()};
            options.screenshotAfterSeconds = *seconds;
        } else if (name == "--quit-after") {
            auto seconds = number(0, 86400);
            if (!seconds) return Unexpected{seconds.error()};
            options.quitAfterSeconds = *seconds;
        } else {
            return Unexpected{"unknown option " + name + " (see --help)"};
        }
        if (problem) return Unexpected{*problem};
    }
    // --join with missing pieces falls back to what the settings remember; the app then says
    // in the window what is still missing.
    return options;
}

}  // namespace samspil::desktop
