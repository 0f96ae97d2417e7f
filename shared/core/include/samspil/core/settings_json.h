// JSON helpers shared by everything that remembers a listener's choices (the desktop app's
// settings file, the plugin's project state): lenient field reading and the per-person mix.
#pragma once

#include "samspil/core/client_settings.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace samspil {

/// Reads json[key] into target when present and of the right kind; keeps the default
/// otherwise (remembered settings never stop a program from starting).
template <typename T>
void readSetting(const nlohmann::json& json, const char* key, T& target) {
    const auto it = json.find(key);
    if (it == json.end()) return;
    try {
        target = it->get<T>();
    } catch (const nlohmann::json::exception&) {
    }
}

/// {"Ada": {"gain_db": -3, "pan": 0.5, "muted": false}, ...}
nlohmann::json peerMixToJson(const std::map<std::string, PeerMixSetting>& mix);
/// The reverse; malformed entries are skipped, values clamped to the controls' ranges.
std::map<std::string, PeerMixSetting> peerMixFromJson(const nlohmann::json& json);

}  // namespace samspil
