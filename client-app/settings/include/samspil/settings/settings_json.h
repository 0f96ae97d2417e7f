// JSON helpers shared by everything that remembers a listener's choices (the desktop app's
// settings file, the plugin's project state): lenient field reading and the per-person mix.
#pragma once

#include "samspil/settings/client_settings.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <string>
#include <type_traits>

namespace samspil {

/// Reads json[key] into target when present and of the right kind; keeps the default
/// otherwise (remembered settings never stop a program from starting).
template <typename T>
void readSetting(const nlohmann::json& json, const char* key, T& target) {
    const auto it = json.find(key);
    if (it == json.end()) return;
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        // Numbers only, and only those T can hold: converting one it cannot hold is undefined
        // behaviour (found by tests/fuzz/fuzz_settings_json: "frame_samples": 2.1e47).
        if (!it->is_number()) return;
        const long double value = it->get<long double>();
        if (!(value >= static_cast<long double>(std::numeric_limits<T>::lowest()) &&
              value <= static_cast<long double>(std::numeric_limits<T>::max())))
            return;  // out of range, or NaN
        target = static_cast<T>(value);
    } else {
        try {
            target = it->get<T>();
        } catch (const nlohmann::json::exception&) {
        }
    }
}

/// {"Ada": {"gain_db": -3, "pan": 0.5, "muted": false}, ...}
nlohmann::json peerMixToJson(const std::map<std::string, PeerMixSetting>& mix);
/// The reverse; malformed entries are skipped, values clamped to the controls' ranges.
std::map<std::string, PeerMixSetting> peerMixFromJson(const nlohmann::json& json);

}  // namespace samspil
