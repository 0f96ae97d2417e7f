#include "samspil/net/line_check.h"

#include "samspil/net/connection_quality.h"
#include "samspil/net/session_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

namespace samspil::net {
namespace {

// Collects round trips on the network thread; the caller waits on it.
class ProbeListener : public SessionListener {
public:
    void onClockSync(std::int64_t, std::int64_t roundTripUs) override {
        std::lock_guard lock(mutex_);
        roundTripsUs_.push_back(roundTripUs);
        changed_.notify_all();
    }
    // A connection that fails is the answer: the check does not wait for the retries.
    void onStateChanged(SessionState state, const std::string& reason) override {
        std::lock_guard lock(mutex_);
        if (!reason.empty()) lastProblem_ = reason;
        if (state == SessionState::Reconnecting && roundTripsUs_.empty()) {
            failed_ = true;
            changed_.notify_all();
        }
    }
    /// Waits until `count` answers came or the deadline passed; returns the answers so far.
    std::vector<std::int64_t> waitFor(std::size_t count, std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline, [&] { return failed_ || roundTripsUs_.size() >= count; });
        return roundTripsUs_;
    }
    std::string lastProblem() {
        std::lock_guard lock(mutex_);
        return lastProblem_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::int64_t> roundTripsUs_;
    std::string lastProblem_;
    bool failed_ = false;
};

LineCheckResult summarise(const std::vector<std::int64_t>& roundTripsUs, int sent) {
    LineCheckResult result;
    result.sent = sent;
    result.answered = static_cast<int>(roundTripsUs.size());
    result.lossPercent = sent > 0 ? 100.0 * (sent - result.answered) / sent : 0.0;
    if (roundTripsUs.empty()) return result;
    double jitterSum = 0;
    for (std::size_t i = 1; i < roundTripsUs.size(); ++i)
        jitterSum += std::abs(static_cast<double>(roundTripsUs[i] - roundTripsUs[i - 1]));
    result.jitterMs = roundTripsUs.size() > 1 ? jitterSum / static_cast<double>(roundTripsUs.size() - 1) / 1000.0 : 0.0;
    auto sorted = roundTripsUs;
    std::sort(sorted.begin(), sorted.end());
    result.minRoundTripMs = static_cast<double>(sorted.front()) / 1000.0;
    result.maxRoundTripMs = static_cast<double>(sorted.back()) / 1000.0;
    result.medianRoundTripMs = static_cast<double>(sorted[sorted.size() / 2]) / 1000.0;
    return result;
}

}  // namespace

Expected<LineCheckResult, std::string> runLineCheck(const std::string& serverUrl, const LineCheckOptions& options) {
    const int pings = std::max(1, options.pings);
    SessionConfig config;
    config.serverUrl = serverUrl;
    config.joinRoom = false;
    config.pingIntervalUs = std::max(1, options.intervalMs) * 1000LL;
    config.maxPings = pings;
    config.allowSelfSignedTls = options.allowSelfSignedTls;
    config.caFile = options.caFile;
    ProbeListener listener;
    SessionClient client(config, listener);
    if (auto started = client.start(); !started) return Unexpected{"That server address does not work: " + started.error()};

    const auto start = std::chrono::steady_clock::now();
    auto answers = listener.waitFor(1, start + std::chrono::milliseconds(options.connectTimeoutMs));
    if (answers.empty()) {
        client.leave();
        const std::string problem = listener.lastProblem();
        return Unexpected{"No answer from " + serverUrl + (problem.empty() ? std::string() : " (" + problem + ")") +
                          ". Check the address, and that the school network lets it through."};
    }
    // The probes went out every intervalMs; give the last one a second to come back.
    answers = listener.waitFor(static_cast<std::size_t>(pings),
                               std::chrono::steady_clock::now() + std::chrono::milliseconds(pings * options.intervalMs + 1000));
    const int sent = static_cast<int>(client.counters().pingsSent);
    client.leave();
    return summarise(answers, std::max(sent, static_cast<int>(answers.size())));
}

std::string describeLineCheck(const LineCheckResult& r) {
    const char* verdict = "Good for lessons";
    switch (rateLine(r.medianRoundTripMs, r.jitterMs, r.lossPercent)) {
        case QualityLevel::Poor: verdict = "Too slow for playing together (talking and listening still work)"; break;
        case QualityLevel::Fair: verdict = "Usable; expect some extra delay"; break;
        default: break;
    }
    const std::string loss =
        r.lossPercent > 0 ? std::to_string(std::max(1L, std::lround(r.lossPercent))) + " % lost" : "no loss";
    char text[256];
    std::snprintf(text, sizeof text, "%s: %.1f ms round trip, %.1f ms jitter, %s.", verdict, r.medianRoundTripMs,
                  r.jitterMs, loss.c_str());
    return text;
}

}  // namespace samspil::net
