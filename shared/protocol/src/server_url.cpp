#include "samspil/protocol/server_url.h"

#include <charconv>

namespace samspil {

namespace {
std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

std::string ServerUrl::toString() const {
    return std::string(secure ? "wss://" : "ws://") + bracketed(host) + ":" + std::to_string(port) + path;
}

std::string ServerUrl::hostHeader() const {
    const bool defaultPort = port == (secure ? 443 : 80);
    return defaultPort ? bracketed(host) : bracketed(host) + ":" + std::to_string(port);
}

Expected<ServerUrl, std::string> parseServerUrl(std::string_view text) {
    ServerUrl url;
    std::string_view rest = text;
    const auto schemeEnd = rest.find("://");
    if (schemeEnd != std::string_view::npos) {
        const std::string_view scheme = rest.substr(0, schemeEnd);
        if (scheme == "ws" || scheme == "http") {
            url.secure = false;
        } else if (scheme == "wss" || scheme == "https") {
            url.secure = true;
        } else {
            return Unexpected{"the address must start with ws:// or wss://"};
        }
        rest.remove_prefix(schemeEnd + 3);
    }

    const auto pathStart = rest.find('/');
    std::string_view authority = rest.substr(0, pathStart);
    if (pathStart != std::string_view::npos && pathStart + 1 < rest.size()) url.path = std::string(rest.substr(pathStart));

    std::string_view portText;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return Unexpected{"the IPv6 address is missing its ']'"};
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Unexpected{"unexpected text after the IPv6 address"};
            portText = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
    }
    if (url.host.empty()) return Unexpected{"the address has no host name"};
    for (char c : url.host)
        if (c == ' ' || c == '@' || c == '?' || c == '#') return Unexpected{"the host name has characters it cannot have"};

    if (portText.empty()) {
        url.port = url.secure ? 443 : 80;
    } else {
        int port = 0;
        const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
        if (ec != std::errc() || end != portText.data() + portText.size() || port < 1 || port > 65535)
            return Unexpected{"the port must be a number from 1 to 65535"};
        url.port = port;
    }
    return url;
}

}  // namespace samspil
