// Server log lines on stderr: "2026-11-27T12:00:00.123Z INFO message". Any thread
// except an audio thread (the server has none). One mutex keeps lines whole.
#pragma once

#include <string_view>

namespace samspil::server {

void logInfo(std::string_view message);
void logWarning(std::string_view message);
void logError(std::string_view message);

/// Routes libwebsockets' own warnings and errors into the same log.
void routeLibwebsocketsLogging();

}  // namespace samspil::server
