#include "samspil/protocol/invite_link.h"

#include "samspil/protocol/validation.h"

#include <algorithm>
#include <cctype>

namespace samspil {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.front())) || text.front() == '<'))
        text.remove_prefix(1);
    while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == '>'))
        text.remove_suffix(1);
    return text;
}

// The value of key in a query string "a=1&b=2" (no percent-decoding: codes are plain).
std::string queryValue(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=')
            return std::string(pair.substr(key.size() + 1));
        if (end == std::string_view::npos) break;
        query.remove_prefix(end + 1);
    }
    return {};
}

bool isHostChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
}

}  // namespace

Expected<InviteLink, std::string> parseInviteLink(std::string_view text) {
    text = trim(text);
    const std::string bad = "That is not a Samspil invite link (it starts with samspil://).";
    std::string scheme = "ws://";
    if (text.starts_with("samspil://")) {
        text.remove_prefix(10);
    } else if (text.starts_with("samspils://")) {
        text.remove_prefix(11);
        scheme = "wss://";
    } else {
        return Unexpected{bad};
    }
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0) return Unexpected{bad};
    const std::string_view host = text.substr(0, slash);
    if (!std::all_of(host.begin(), host.end(), isHostChar)) return Unexpected{bad};
    std::string_view rest = text.substr(slash);
    if (!rest.starts_with("/join?")) return Unexpected{bad};
    rest.remove_prefix(6);
    InviteLink link{scheme + std::string(host), queryValue(rest, "room"), queryValue(rest, "invite")};
    if (!protocol::isValidRoomCode(link.room)) return Unexpected{std::string("The invite link has no valid room in it.")};
    if (link.invite.empty() || link.invite.size() > 64) return Unexpected{std::string("The invite link has no invite code in it.")};
    return link;
}

}  // namespace samspil
