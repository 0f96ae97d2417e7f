#include "samspil/settings/client_settings.h"

#include "samspil/protocol/media_format.h"
#include "samspil/settings/settings_json.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace samspil {
namespace {

using Json = nlohmann::json;

}  // namespace

Json peerMixToJson(const std::map<std::string, PeerMixSetting>& mix) {
    Json peers = Json::object();
    for (const auto& [peerName, setting] : mix)
        peers[peerName] = {{"gain_db", setting.gainDb}, {"pan", setting.pan}, {"muted", setting.muted}};
    return peers;
}

std::map<std::string, PeerMixSetting> peerMixFromJson(const Json& json) {
    std::map<std::string, PeerMixSetting> result;
    if (!json.is_object()) return result;
    for (const auto& [peerName, value] : json.items()) {
        if (!value.is_object()) continue;
        PeerMixSetting mix;
        readSetting(value, "gain_db", mix.gainDb);
        readSetting(value, "pan", mix.pan);
        readSetting(value, "muted", mix.muted);
        mix.gainDb = std::clamp(mix.gainDb, -60.0f, 12.0f);
        mix.pan = std::clamp(mix.pan, -1.0f, 1.0f);
        result[peerName] = mix;
    }
    return result;
}

std::string ClientSettings::toJson() const {
    const Json json{{"server_url", serverUrl},        {"name", name},
                    {"room", room},                   {"login", login},
                    {"audio_device_type", audioDeviceType}, {"input_device", inputDevice},
                    {"output_device", outputDevice},  {"buffer_size", bufferSize},
                    {"input_gain_db", inputGainDb},   {"frame_samples", frameSamples},
                    {"send_channels", sendChannels},  {"metronome_bpm", metronomeBpm},
                    {"metronome_beats_per_bar", metronomeBeatsPerBar}, {"use_udp", useUdp},
                    {"language", language},           {"peer_mix", peerMixToJson(peerMix)}};
    return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

Expected<ClientSettings, std::string> ClientSettings::fromJson(const std::string& text) {
    const Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return Unexpected{std::string("settings are not a JSON object")};
    ClientSettings s;
    readSetting(json, "server_url", s.serverUrl);
    readSetting(json, "name", s.name);
    readSetting(json, "room", s.room);
    readSetting(json, "login", s.login);
    readSetting(json, "audio_device_type", s.audioDeviceType);
    readSetting(json, "input_device", s.inputDevice);
    readSetting(json, "output_device", s.outputDevice);
    readSetting(json, "buffer_size", s.bufferSize);
    readSetting(json, "input_gain_db", s.inputGainDb);
    readSetting(json, "frame_samples", s.frameSamples);
    readSetting(json, "send_channels", s.sendChannels);
    readSetting(json, "metronome_bpm", s.metronomeBpm);
    readSetting(json, "metronome_beats_per_bar", s.metronomeBeatsPerBar);
    readSetting(json, "use_udp", s.useUdp);
    readSetting(json, "language", s.language);
    if (auto peers = json.find("peer_mix"); peers != json.end()) s.peerMix = peerMixFromJson(*peers);
    if (!isPlayerFrameSize(s.frameSamples)) s.frameSamples = 240;
    s.sendChannels = s.sendChannels == 2 ? 2 : 1;
    s.bufferSize = std::clamp(s.bufferSize, 0, 8192);
    s.inputGainDb = std::clamp(s.inputGainDb, -60.0f, 24.0f);
    s.metronomeBpm = std::clamp(s.metronomeBpm, 20.0, 400.0);
    s.metronomeBeatsPerBar = std::clamp(s.metronomeBeatsPerBar, 1, 16);
    if (s.language != "da" && s.language != "en") s.language.clear();  // anything else: follow the system
    return s;
}

ClientSettings loadClientSettings(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream text;
    text << in.rdbuf();
    auto settings = ClientSettings::fromJson(text.str());
    return settings ? *settings : ClientSettings{};
}

bool saveClientSettings(const ClientSettings& settings, const std::string& path) {
    const std::filesystem::path file(path);
    std::error_code error;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return false;
        out << settings.toJson() << "\n";
        if (!out) return false;
    }
    std::filesystem::rename(temporary, file, error);
    return !error;
}

}  // namespace samspil
