// What the plugin saves in the host's project: where and as whom to connect, the send and
// monitor options, the listener's mix per participant, and whether it was in the room.
// Never a password, a token or an invite. Plain C++ (JSON), so it is easy to test.
#pragma once

#include "samspil/settings/client_settings.h"
#include "samspil/base/expected.h"

#include <map>
#include <string>

namespace samspil::plugin {

struct PluginState {
    std::string serverUrl;
    std::string room;
    std::string name;
    std::string login;
    int frameSamples = 240;
    int sendChannels = 2;       ///< a DAW track is usually stereo
    float sendGainDb = 0.0f;
    bool monitor = true;        ///< pass the track's own audio through to the main output
    bool shareTempo = false;    ///< send the host's tempo and time signature to the room
    bool joined = false;        ///< rejoin when the project opens
    std::map<std::string, PeerMixSetting> peerMix;

    std::string toJson() const;
    /// Unknown fields are ignored, missing ones keep their defaults, values are clamped.
    [[nodiscard]] static Expected<PluginState, std::string> fromJson(const std::string& text);
};

}  // namespace samspil::plugin
