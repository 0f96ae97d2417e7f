// Invite links as the server hands them out (POST /api/v1/rooms/{id}/invites):
// samspil://HOST[:PORT]/join?room=CODE&invite=CODE. A teacher emails one; the student pastes
// it into the app, which fills in the server, the room and the invite.
#pragma once

#include "samspil/base/expected.h"

#include <string>
#include <string_view>

namespace samspil {

struct InviteLink {
    std::string serverUrl;  ///< ws://HOST[:PORT] (wss:// for samspils:// links)
    std::string room;
    std::string invite;
};

/// Accepts the link with or without surrounding spaces or <angle brackets> (mail programs
/// add them). Fails with a sentence for anything else.
[[nodiscard]] Expected<InviteLink, std::string> parseInviteLink(std::string_view text);

}  // namespace samspil
