#include "upgrade_check.h"

#include "samspil/protocol/control_message.h"

namespace samspil::server {
namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

bool offers(std::string_view header, std::string_view wanted) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        if (trimmed(header.substr(0, comma)) == wanted) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

std::optional<UpgradeRefusal> checkUpgrade(std::string_view path, std::string_view protocolHeader) {
    path = path.substr(0, path.find('?'));
    if (path != "/ws")
        return UpgradeRefusal{404, "Samspil's WebSocket is at /ws, not " + std::string(path.substr(0, 200)) + "."};
    if (!offers(protocolHeader, protocol::kSubprotocol))
        return UpgradeRefusal{400, "Samspil needs the WebSocket subprotocol " + std::string(protocol::kSubprotocol) +
                                       " (Sec-WebSocket-Protocol); see docs/protocol.md."};
    return std::nullopt;
}

}  // namespace samspil::server
