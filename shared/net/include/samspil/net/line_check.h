// The line check: before joining, how good is the way to the server? A burst of clock
// probes over the same WebSocket a session would use (same port, same proxy, same TLS),
// never joining a room. Blocking; run it on a worker thread, never the audio or UI thread.
#pragma once

#include "samspil/base/expected.h"

#include <cstdint>
#include <string>

namespace samspil::net {

struct LineCheckOptions {
    int pings = 50;
    int intervalMs = 20;
    int connectTimeoutMs = 5000;
    bool allowSelfSignedTls = false;
    std::string caFile;
};

struct LineCheckResult {
    int sent = 0;
    int answered = 0;
    double minRoundTripMs = 0;
    double medianRoundTripMs = 0;
    double maxRoundTripMs = 0;
    double jitterMs = 0;      ///< mean change between consecutive round trips (RFC 3550 style)
    double lossPercent = 0;   ///< probes never answered
};

/// Fails with a sentence a person can act on when the server cannot be reached at all.
[[nodiscard]] Expected<LineCheckResult, std::string> runLineCheck(const std::string& serverUrl,
                                                                  const LineCheckOptions& options = {});

/// One line for a teacher: "Good for lessons: 12 ms round trip, 0.4 ms jitter, no loss."
std::string describeLineCheck(const LineCheckResult& result);

}  // namespace samspil::net
