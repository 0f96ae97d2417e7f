// A small blocking HTTP(S) client over libwebsockets, for the JSON API: sign in, fetch
// "my lessons". Call it from a UI or worker thread, never from the audio thread.
#pragma once

#include "samspil/base/expected.h"

#include <optional>
#include <string>

namespace samspil::net {

struct HttpResult {
    int status = 0;
    std::string body;
};

struct HttpOptions {
    std::optional<std::string> bearerToken;
    bool allowSelfSignedTls = false;
    std::string caFile;
    int timeoutMs = 10'000;
};

/// Sends method path (e.g. "POST", "/api/v1/sign-in") with a JSON body to the server
/// behind serverUrl (ws:// means http://, wss:// means https://). Fails only when no
/// answer came; an HTTP error status is a result.
[[nodiscard]] Expected<HttpResult, std::string> httpRequest(const std::string& serverUrl, const std::string& method,
                                                          const std::string& path, const std::string& jsonBody,
                                                          const HttpOptions& options = {});

/// Signs in through POST /api/v1/sign-in; returns the session token, or the server's
/// human sentence for why not.
[[nodiscard]] Expected<std::string, std::string> signIn(const std::string& serverUrl, const std::string& login,
                                                      const std::string& password, const HttpOptions& options = {});

}  // namespace samspil::net
