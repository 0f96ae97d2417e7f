// Parses the server address a user types: ws://host:port/path or wss://...
#pragma once

#include "samspil/base/expected.h"

#include <string>
#include <string_view>

namespace samspil {

/// A WebSocket server address.
struct ServerUrl {
    bool secure = false;      ///< wss (TLS)
    std::string host;         ///< name or address, IPv6 without brackets
    int port = 0;
    std::string path = "/ws";

    /// Back to text, e.g. "ws://127.0.0.1:7400/ws".
    std::string toString() const;

    /// The Host header (and Origin) a request carries: the host, IPv6 in brackets, with the
    /// port unless it is the scheme's default (RFC 9110 §7.2). The server builds the links it
    /// answers with (an invite's web link) from it, and a proxy picks its site by it.
    std::string hostHeader() const;
};

/// Accepts ws://, wss://, http:// and https:// (the last two mean ws and wss), a host
/// (IPv6 in brackets), an optional port (default 80 / 443) and an optional path (default /ws).
/// A bare "host:port" means ws://host:port/ws.
[[nodiscard]] Expected<ServerUrl, std::string> parseServerUrl(std::string_view text);

}  // namespace samspil
