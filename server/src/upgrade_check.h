// Which WebSocket upgrades the relay serves: path /ws with the samspil.v1 subprotocol.
// Anything else is refused with an HTTP status and a sentence, so a client can tell a wrong
// address or protocol from a crashed server. Pure: no lws, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace samspil::server {

struct UpgradeRefusal {
    int status = 400;      ///< HTTP status
    std::string sentence;  ///< what the client did wrong, in a sentence
};

/// path: the request path (query removed or not); protocolHeader: Sec-WebSocket-Protocol
/// as sent ("" when absent; may list several, comma-separated).
std::optional<UpgradeRefusal> checkUpgrade(std::string_view path, std::string_view protocolHeader);

}  // namespace samspil::server
