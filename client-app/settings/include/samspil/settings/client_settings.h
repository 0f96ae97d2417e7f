// What the desktop app remembers between runs: where and as whom it last connected, the
// audio setup, and the listener's mix. Stored as JSON; never a password.
#pragma once

#include "samspil/base/expected.h"

#include <map>
#include <string>

namespace samspil {

struct PeerMixSetting {
    float gainDb = 0.0f;
    float pan = 0.0f;
    bool muted = false;
};

struct ClientSettings {
    std::string serverUrl = "ws://127.0.0.1:7400";
    std::string name;
    std::string room;
    std::string login;                   ///< for sign-in; the password is never stored
    std::string audioDeviceType;         ///< e.g. "JACK", "ALSA"
    std::string inputDevice;
    std::string outputDevice;
    int bufferSize = 0;                  ///< 0: the device's default
    float inputGainDb = 0.0f;
    int frameSamples = 240;              ///< 120, 240 or 480
    int sendChannels = 1;
    double metronomeBpm = 90.0;
    int metronomeBeatsPerBar = 4;
    bool useUdp = true;                  ///< take the server's UDP fast path when offered ("use_udp")
    std::string language;                ///< "da" or "en" as the person chose; "" follows the system
    std::map<std::string, PeerMixSetting> peerMix;  ///< by participant name

    /// To JSON text (pretty, UTF-8).
    std::string toJson() const;
    /// From JSON text. Unknown fields are ignored; missing ones keep their defaults; values out
    /// of range are clamped. Fails only on text that is not a JSON object.
    [[nodiscard]] static Expected<ClientSettings, std::string> fromJson(const std::string& text);
};

/// Reads settings from a file; defaults when the file does not exist or cannot be read.
ClientSettings loadClientSettings(const std::string& path);
/// Writes settings to a file (creating its folder), atomically (write, then rename).
[[nodiscard]] bool saveClientSettings(const ClientSettings& settings, const std::string& path);

}  // namespace samspil
