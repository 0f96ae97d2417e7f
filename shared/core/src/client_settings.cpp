#include "samspil/core/client_settings.h"

#include "samspil/core/opus_codec.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace samspil {
namespace {

using Json = nlohmann::json;

template <typename T>
void read(const Json& json, const char* key, T& target) {
    auto it = json.find(key);
    if (it == json.end()) return;
    try {
        target = it->get<T>();
    } catch (const Json::exception&) {
        // A field of the wrong kind keeps its default: settings never stop the app starting.
    }
}

}  // namespace

std::string ClientSettings::toJson() const {
    Json peers = Json::object();
    for (const auto& [peerName, mix] : peerMix) peers[peerName] = {{"gain_db", mix.gainDb}, {"pan", mix.pan}, {"muted", mix.muted}};
    const Json json{{"server_url", serverUrl},        {"name", name},
                    {"room", room},                   {"login", login},
                    {"audio_device_type", audioDeviceType}, {"input_device", inputDevice},
                    {"output_device", outputDevice},  {"buffer_size", bufferSize},
                    {"input_gain_db", inputGainDb},   {"frame_samples", frameSamples},
                    {"send_channels", sendChannels},  {"metronome_bpm", metronomeBpm},
                    {"metronome_beats_per_bar", metronomeBeatsPerBar}, {"peer_mix", peers}};
    return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

Expected<ClientSettings, std::string> ClientSettings::fromJson(const std::string& text) {
    const Json json = Json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return Unexpected{std::string("settings are not a JSON object")};
    ClientSettings s;
    read(json, "server_url", s.serverUrl);
    read(json, "name", s.name);
    read(json, "room", s.room);
    read(json, "login", s.login);
    read(json, "audio_device_type", s.audioDeviceType);
    read(json, "input_device", s.inputDevice);
    read(json, "output_device", s.outputDevice);
    read(json, "buffer_size", s.bufferSize);
    read(json, "input_gain_db", s.inputGainDb);
    read(json, "frame_samples", s.frameSamples);
    read(json, "send_channels", s.sendChannels);
    read(json, "metronome_bpm", s.metronomeBpm);
    read(json, "metronome_beats_per_bar", s.metronomeBeatsPerBar);
    if (auto peers = json.find("peer_mix"); peers != json.end() && peers->is_object()) {
        for (const auto& [peerName, value] : peers->items()) {
            if (!value.is_object()) continue;
            PeerMixSetting mix;
            read(value, "gain_db", mix.gainDb);
            read(value, "pan", mix.pan);
            read(value, "muted", mix.muted);
            mix.gainDb = std::clamp(mix.gainDb, -60.0f, 12.0f);
            mix.pan = std::clamp(mix.pan, -1.0f, 1.0f);
            s.peerMix[peerName] = mix;
        }
    }
    if (!isSupportedFrameSize(s.frameSamples) || s.frameSamples > 480) s.frameSamples = 240;
    s.sendChannels = s.sendChannels == 2 ? 2 : 1;
    s.bufferSize = std::clamp(s.bufferSize, 0, 8192);
    s.inputGainDb = std::clamp(s.inputGainDb, -60.0f, 24.0f);
    s.metronomeBpm = std::clamp(s.metronomeBpm, 20.0, 400.0);
    s.metronomeBeatsPerBar = std::clamp(s.metronomeBeatsPerBar, 1, 16);
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
