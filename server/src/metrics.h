// RelayMetrics: what the server counts, rendered as Prometheus text for GET /metrics.
// Updated and read on the service thread only, so plain integers suffice.
#pragma once

#include "samspil/protocol/error_code.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace samspil::server {

/// A Prometheus histogram with fixed buckets (in seconds).
class LatencyHistogram {
public:
    static constexpr std::array<double, 11> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002,
                                                    0.005,   0.01,   0.02,    0.05,   0.1};
    void observe(double seconds);
    /// Appends the _bucket, _sum and _count lines.
    void render(const std::string& name, const std::string& help, std::string& out) const;
    std::uint64_t count() const { return count_; }

private:
    std::array<std::uint64_t, kBounds.size() + 1> buckets_{};  // last: +Inf
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

/// Gauges taken at the moment of the scrape.
struct RelayGauges {
    std::uint64_t connections = 0;
    std::uint64_t rooms = 0;
    std::uint64_t participants = 0;
    std::uint64_t storeFailures = 0;
    std::uint64_t signInWrongPassword = 0;  ///< sign-ins refused: unknown login or wrong password
    std::uint64_t signInRateLimited = 0;    ///< sign-ins refused: too many failures lately
    LatencyHistogram databaseJobs;          ///< how long each database job took (store thread)
    std::uint64_t recordingBytes = 0;       ///< bytes written to recording files
    std::uint64_t recordingDropped = 0;     ///< packets the recorder could not keep up with
    std::uint64_t recordingsActive = 0;     ///< rooms being recorded now
    std::uint64_t recordingMisplaced = 0;   ///< packets placed by arrival: their epoch or timestamp was far off
};

struct RelayMetrics {
    std::uint64_t connectionsAccepted = 0;
    std::uint64_t mediaPacketsIn = 0;
    std::uint64_t mediaPacketsOut = 0;
    std::uint64_t mediaBytesIn = 0;
    std::uint64_t mediaBytesOut = 0;
    std::uint64_t mediaDroppedQueueFull = 0;  ///< a slow receiver's queue overflowed (oldest dropped)
    std::uint64_t mediaDroppedStale = 0;      ///< waited too long in a queue to be worth sending
    std::uint64_t mediaDroppedMalformed = 0;  ///< failed to parse
    std::uint64_t mediaDroppedNotJoined = 0;  ///< sent before joining a room (or while waiting)
    std::uint64_t mediaDroppedMuted = 0;      ///< from a participant the teacher muted
    std::uint64_t mediaDroppedOverBudget = 0; ///< beyond the sender's media budget (packets or bytes a second)
    std::uint64_t mediaDroppedSendFailed = 0; ///< the socket would not take it (a full UDP buffer, a dead connection)
    std::uint64_t controlMessagesIn = 0;
    std::uint64_t controlMessagesOut = 0;
    std::uint64_t chatMessages = 0;
    std::map<protocol::ErrorCode, std::uint64_t> errorsSent;  ///< by code
    std::map<std::string, std::uint64_t> disconnects;         ///< by reason
    std::uint64_t udpDatagramsIn = 0;         ///< datagrams read from the UDP socket
    std::uint64_t udpDatagramsOut = 0;        ///< datagrams written to it
    std::uint64_t udpMediaPacketsOut = 0;     ///< media packets relayed by UDP (part of mediaPacketsOut)
    std::map<std::string, std::uint64_t> udpDropped;  ///< datagrams dropped unrelayed, by reason
    std::uint64_t videoFramesIn = 0;          ///< whole video frames received from senders
    std::uint64_t videoBytesIn = 0;
    std::uint64_t videoFramesOut = 0;         ///< video frames written to receivers (each copy)
    std::uint64_t videoBytesOut = 0;
    std::uint64_t videoKeyframesAsked = 0;    ///< keyframe requests passed to senders
    std::uint64_t videoReceiverHolds = 0;     ///< times video toward a receiver was held (its line lost it)
    std::map<std::string, std::uint64_t> videoDropped;  ///< video frames not relayed or not written, by reason
    LatencyHistogram relayLatency;  ///< receive of a packet → its write to each recipient

    /// The whole exposition text.
    std::string renderPrometheus(const RelayGauges& gauges) const;
};

}  // namespace samspil::server
