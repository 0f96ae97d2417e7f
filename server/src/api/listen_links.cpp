#include "api/listen_links.h"

#include "accounts/credentials.h"

#include <sodium.h>

#include <charconv>

namespace samspil::server {
namespace {

// Reads a positive decimal number up to the next '-' (or the end); advances text past it.
std::optional<std::int64_t> takeNumber(std::string_view& text) {
    const auto dash = text.find('-');
    const std::string_view digits = text.substr(0, dash);
    std::int64_t value = 0;
    const auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (problem != std::errc() || end != digits.data() + digits.size() || value <= 0) return std::nullopt;
    text = dash == std::string_view::npos ? std::string_view() : text.substr(dash + 1);
    return value;
}

}  // namespace

ListenLinks::ListenLinks() {
    initialiseCrypto();
    static_assert(sizeof(key_) == crypto_auth_KEYBYTES);
    crypto_auth_keygen(key_.data());
}

std::string ListenLinks::signature(std::int64_t recordingId, std::int64_t personId, std::int64_t expiresMs) const {
    const std::string message = "samspil-listen:" + std::to_string(recordingId) + ":" + std::to_string(personId) + ":" +
                                std::to_string(expiresMs);
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth(mac, reinterpret_cast<const unsigned char*>(message.data()), message.size(), key_.data());
    char hex[crypto_auth_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return hex;
}

std::string ListenLinks::ticket(std::int64_t recordingId, std::int64_t personId, std::int64_t nowMs) const {
    const std::int64_t expires = nowMs + kLifetimeMs;
    return std::to_string(personId) + "-" + std::to_string(expires) + "-" + signature(recordingId, personId, expires);
}

std::optional<std::int64_t> ListenLinks::personFor(std::string_view ticket, std::int64_t recordingId,
                                                   std::int64_t nowMs) const {
    if (ticket.size() > 128) return std::nullopt;
    const auto person = takeNumber(ticket);
    if (!person) return std::nullopt;
    const auto expires = takeNumber(ticket);
    if (!expires || *expires <= nowMs) return std::nullopt;
    const std::string expected = signature(recordingId, *person, *expires);
    // Compared in constant time: a guesser learns nothing from how long a refusal takes.
    if (ticket.size() != expected.size() || sodium_memcmp(ticket.data(), expected.data(), expected.size()) != 0)
        return std::nullopt;
    return person;
}

}  // namespace samspil::server
