// A whole-string decimal number from a command line ("2.5" yes, "2.5ms" no).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace samspil {

inline std::optional<double> parseNumber(const std::string& text) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
    return value;
}

}  // namespace samspil
