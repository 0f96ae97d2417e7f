// Rules for what users type: room codes, display names, chat text. Shared so that
// clients can say "no" before the server has to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace samspil::protocol {

inline constexpr std::size_t kMaxRoomCodeLength = 64;   ///< characters
inline constexpr std::size_t kMaxNameLength = 64;       ///< Unicode code points
inline constexpr std::size_t kMaxChatLength = 2000;     ///< Unicode code points

/// Number of code points in valid UTF-8, or nullopt when the bytes are not valid UTF-8.
std::optional<std::size_t> utf8Length(std::string_view text);

/// 1..64 of [A-Za-z0-9_-].
bool isValidRoomCode(std::string_view room);

/// Trims surrounding spaces; the result must be 1..64 code points of valid UTF-8
/// without control characters. Returns nullopt when it is not.
std::optional<std::string> normalizeDisplayName(std::string_view name);

/// 1..2000 code points of valid UTF-8, not only white space; newlines and tabs allowed.
bool isValidChatText(std::string_view text);

}  // namespace samspil::protocol
