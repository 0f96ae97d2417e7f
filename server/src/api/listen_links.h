// Links that open one recording's files without an Authorization header, for the page's
// <audio> element and download buttons (which cannot send one). A link names the person
// and an expiry and is signed with a key the server draws when it starts, so a link dies
// with its expiry or a server restart. It only says who asks: the handler still checks on
// every request that this person may open the recording. Any thread (the key is read-only).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samspil::server {

class ListenLinks {
public:
    static constexpr std::int64_t kLifetimeMs = 6 * 60 * 60'000;  ///< a lesson and an evening of practice

    ListenLinks();

    /// The ticket for ?ticket= on recording's downloads, valid until nowMs + kLifetimeMs.
    std::string ticket(std::int64_t recordingId, std::int64_t personId, std::int64_t nowMs) const;
    /// The person a ticket speaks for, if it is this server's, for this recording and unexpired.
    std::optional<std::int64_t> personFor(std::string_view ticket, std::int64_t recordingId, std::int64_t nowMs) const;

private:
    std::string signature(std::int64_t recordingId, std::int64_t personId, std::int64_t expiresMs) const;

    std::array<unsigned char, 32> key_{};
};

}  // namespace samspil::server
