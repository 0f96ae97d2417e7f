// Command-line options of the Samspil desktop app. Plain C++ (no JUCE) so the tests can
// check them; the app applies them on top of the remembered settings.
#pragma once

#include "samspil/base/expected.h"

#include <optional>
#include <string>
#include <vector>

namespace samspil::desktop {

struct AppOptions {
    std::optional<std::string> server;
    std::optional<std::string> room;
    std::optional<std::string> name;
    std::optional<std::string> token;      ///< session token from the API
    std::optional<std::string> invite;     ///< invite code or samspil:// link
    bool join = false;                     ///< connect at start, without a click
    std::optional<std::string> audioDriver;   ///< "JACK", "ALSA", ...
    std::optional<std::string> inputDevice;
    std::optional<std::string> outputDevice;
    std::optional<int> bufferSize;
    std::optional<int> frameSamples;       ///< from --frame-ms
    std::optional<std::string> settingsFile;  ///< instead of the per-user one
    std::optional<std::string> screenshotFile;  ///< PNG of the window, then quit
    double screenshotAfterSeconds = 3.0;
    std::optional<double> quitAfterSeconds;
    std::optional<std::string> language;   ///< "da" or "en" (remembered like a choice in the window)
    bool listenNewest = false;             ///< play the newest recording's mix once listed
    std::optional<std::string> camera;     ///< "test-pattern" or a V4L2 device (default /dev/video0)
    bool cameraOn = false;                 ///< turn the camera on once in the room
    bool showHelp = false;
};

/// args without the program name; anything unknown is an error.
[[nodiscard]] Expected<AppOptions, std::string> parseAppOptions(const std::vector<std::string>& args);

std::string appHelpText();

}  // namespace samspil::desktop
