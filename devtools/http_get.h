// A plain HTTP/1.1 GET on loopback, for tests and the benchmark (health, metrics).
#pragma once

#include <string>

namespace samspil::test {

struct HttpResponse {
    int status = 0;  ///< 0 when the request failed
    std::string headers;
    std::string body;
};

/// GET path from 127.0.0.1:port with "Connection: close"; waits at most 5 s.
HttpResponse httpGet(int port, const std::string& path);

/// Any method, with an optional JSON body and bearer token, and extra header lines
/// (each ending in \r\n, e.g. "Range: bytes=0-99\r\n").
HttpResponse httpRequest(int port, const std::string& method, const std::string& path, const std::string& body = {},
                         const std::string& bearerToken = {}, const std::string& extraHeaderLines = {});

}  // namespace samspil::test
