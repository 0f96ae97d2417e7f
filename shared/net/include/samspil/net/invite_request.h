// A teacher's "invite a guest" from the desktop app or the plugin: finds the room by its
// code among the teacher's schools and asks the API for an invite. Blocking (HTTP): call it
// from a worker thread (BackgroundJob), never from the audio or message thread.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/net/http_client.h"

#include <string>

namespace samspil::net {

struct CreatedInvite {
    std::string code;     // shown once
    std::string webLink;  // https://SERVER/join/CODE: what a student opens in the browser
    std::string appLink;  // samspil://…: for the desktop app
};

/// Creates an invite to the room with code roomCode (the teacher must own it or be the
/// school's admin), for guestName if not empty, valid for validMinutes. The error is the
/// server's sentence, or what went wrong on the way.
[[nodiscard]] Expected<CreatedInvite, std::string> createInvite(const std::string& serverUrl, const std::string& token,
                                                              const std::string& roomCode, const std::string& guestName,
                                                              int validMinutes = 1440, const HttpOptions& options = {});

}  // namespace samspil::net
