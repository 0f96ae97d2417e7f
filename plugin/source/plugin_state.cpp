#include "plugin_state.h"

#include "samspil/protocol/media_format.h"
#include "samspil/settings/settings_json.h"

#include <algorithm>

namespace samspil::plugin {
namespace {

using Json = nlohmann::json;
constexpr int kStateVersion = 1;

}  // namespace

std::string PluginState::toJson() const {
    const Json json{{"samspil_plugin_state", kStateVersion},
                    {"server_url", serverUrl},
                    {"room", room},
                    {"name", name},
                    {"login", login},
                    {"frame_samples", frameSamples},
                    {"send_channels", sendChannels},
                    {"send_gain_db", sendGainDb},
                    {"monitor", monitor},
                    {"share_tempo", shareTempo},
                    {"joined", joined},
                    {"peer_mix", peerMixToJson(peerMix)}};
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Expected<PluginState, std::string> PluginState::fromJson(const std::string& text) {
    const Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("samspil_plugin_state"))
        return Unexpected{std::string("not a Samspil plugin state")};
    PluginState s;
    readSetting(json, "server_url", s.serverUrl);
    readSetting(json, "room", s.room);
    readSetting(json, "name", s.name);
    readSetting(json, "login", s.login);
    readSetting(json, "frame_samples", s.frameSamples);
    readSetting(json, "send_channels", s.sendChannels);
    readSetting(json, "send_gain_db", s.sendGainDb);
    readSetting(json, "monitor", s.monitor);
    readSetting(json, "share_tempo", s.shareTempo);
    readSetting(json, "joined", s.joined);
    if (!isPlayerFrameSize(s.frameSamples)) s.frameSamples = 240;
    s.sendChannels = s.sendChannels == 1 ? 1 : 2;
    s.sendGainDb = std::clamp(s.sendGainDb, -24.0f, 24.0f);
    if (auto peers = json.find("peer_mix"); peers != json.end()) s.peerMix = peerMixFromJson(*peers);
    return s;
}

}  // namespace samspil::plugin
