#include "samspil/protocol/validation.h"

#include <cstdint>

namespace samspil::protocol {
namespace {

// Decodes one code point at text[i]; advances i. Returns nullopt on malformed UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
std::optional<char32_t> decodeUtf8(std::string_view text, std::size_t& i) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
        ++i;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        return std::nullopt;
    }
    if (text.size() - i <= static_cast<std::size_t>(extra)) return std::nullopt;
    for (int k = 1; k <= extra; ++k) {
        const auto next = static_cast<std::uint8_t>(text[i + k]);
        if ((next & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += static_cast<std::size_t>(extra) + 1;
    return cp;
}

bool isControl(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::optional<std::size_t> utf8Length(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (!decodeUtf8(text, i)) return std::nullopt;
        ++count;
    }
    return count;
}

bool isValidRoomCode(std::string_view room) {
    if (room.empty() || room.size() > kMaxRoomCodeLength) return false;
    for (char c : room) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_';
        if (!ok) return false;
    }
    return true;
}

std::optional<std::string> normalizeDisplayName(std::string_view name) {
    while (!name.empty() && isSpace(name.front())) name.remove_prefix(1);
    while (!name.empty() && isSpace(name.back())) name.remove_suffix(1);
    if (name.empty()) return std::nullopt;
    std::size_t count = 0;
    for (std::size_t i = 0; i < name.size();) {
        auto cp = decodeUtf8(name, i);
        if (!cp || isControl(*cp)) return std::nullopt;
        if (++count > kMaxNameLength) return std::nullopt;
    }
    return std::string(name);
}

bool isValidChatText(std::string_view text) {
    bool hasVisible = false;
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size();) {
        auto cp = decodeUtf8(text, i);
        if (!cp) return false;
        if (isControl(*cp) && *cp != '\n' && *cp != '\t') return false;
        if (*cp != ' ' && *cp != '\n' && *cp != '\t') hasVisible = true;
        if (++count > kMaxChatLength) return false;
    }
    return hasVisible;
}

}  // namespace samspil::protocol
