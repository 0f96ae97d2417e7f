#include "metrics.h"

#include <cstdio>

namespace samspil::server {
namespace {

void line(std::string& out, const std::string& text) {
    out += text;
    out += '\n';
}

void metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
    line(out, std::string("# HELP ") + name + " " + help);
    line(out, std::string("# TYPE ") + name + " " + type);
    line(out, std::string(name) + " " + std::to_string(value));
}

std::string formatDouble(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
}

}  // namespace

void LatencyHistogram::observe(double seconds) {
    std::size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    ++buckets_[bucket];
    sum_ += seconds;
    ++count_;
}

void LatencyHistogram::render(const std::string& name, const std::string& help, std::string& out) const {
    line(out, "# HELP " + name + " " + help);
    line(out, "# TYPE " + name + " histogram");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
        cumulative += buckets_[i];
        line(out, name + "_bucket{le=\"" + formatDouble(kBounds[i]) + "\"} " + std::to_string(cumulative));
    }
    cumulative += buckets_.back();
    line(out, name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative));
    line(out, name + "_sum " + formatDouble(sum_));
    line(out, name + "_count " + std::to_string(count_));
}

std::string RelayMetrics::renderPrometheus(const RelayGauges& gauges) const {
    std::string out;
    metric(out, "samspil_connections", "gauge", "Open WebSocket connections.", gauges.connections);
    metric(out, "samspil_rooms", "gauge", "Rooms with at least one participant.", gauges.rooms);
    metric(out, "samspil_participants", "gauge", "Participants joined to a room.", gauges.participants);
    metric(out, "samspil_connections_accepted_total", "counter", "WebSocket connections accepted.",
           connectionsAccepted);
    metric(out, "samspil_media_packets_in_total", "counter", "Media packets received from clients.", mediaPacketsIn);
    metric(out, "samspil_media_packets_out_total", "counter", "Media packets written to clients.", mediaPacketsOut);
    metric(out, "samspil_media_bytes_in_total", "counter", "Media bytes received (headers included).", mediaBytesIn);
    metric(out, "samspil_media_bytes_out_total", "counter", "Media bytes written (headers included).", mediaBytesOut);
    line(out, "# HELP samspil_media_packets_dropped_total Media packets not relayed, by reason.");
    line(out, "# TYPE samspil_media_packets_dropped_total counter");
    line(out, "samspil_media_packets_dropped_total{reason=\"queue_full\"} " + std::to_string(mediaDroppedQueueFull));
    line(out, "samspil_media_packets_dropped_total{reason=\"stale\"} " + std::to_string(mediaDroppedStale));
    line(out, "samspil_media_packets_dropped_total{reason=\"malformed\"} " + std::to_string(mediaDroppedMalformed));
    line(out, "samspil_media_packets_dropped_total{reason=\"not_joined\"} " + std::to_string(mediaDroppedNotJoined));
    line(out, "samspil_media_packets_dropped_total{reason=\"muted\"} " + std::to_string(mediaDroppedMuted));
    line(out, "samspil_media_packets_dropped_total{reason=\"over_budget\"} " + std::to_string(mediaDroppedOverBudget));
    line(out, "samspil_media_packets_dropped_total{reason=\"send_failed\"} " + std::to_string(mediaDroppedSendFailed));
    metric(out, "samspil_udp_datagrams_in_total", "counter", "Datagrams read on the UDP path.", udpDatagramsIn);
    metric(out, "samspil_udp_datagrams_out_total", "counter", "Datagrams written on the UDP path.", udpDatagramsOut);
    metric(out, "samspil_udp_media_packets_out_total", "counter", "Media packets relayed on the UDP path.",
           udpMediaPacketsOut);
    line(out, "# HELP samspil_udp_datagrams_dropped_total Datagrams dropped and never relayed, by reason.");
    line(out, "# TYPE samspil_udp_datagrams_dropped_total counter");
    for (const char* reason : {"malformed", "unknown_session", "forged", "replayed", "unexpected_kind"}) {
        const auto it = udpDropped.find(reason);
        line(out, std::string("samspil_udp_datagrams_dropped_total{reason=\"") + reason + "\"} " +
                      std::to_string(it == udpDropped.end() ? 0 : it->second));
    }
    metric(out, "samspil_video_frames_in_total", "counter", "Whole video frames received from senders.", videoFramesIn);
    metric(out, "samspil_video_bytes_in_total", "counter", "Video bytes received (headers included).", videoBytesIn);
    metric(out, "samspil_video_frames_out_total", "counter", "Video frames written to receivers.", videoFramesOut);
    metric(out, "samspil_video_bytes_out_total", "counter", "Video bytes written to receivers.", videoBytesOut);
    metric(out, "samspil_video_keyframes_asked_total", "counter", "Keyframe requests passed on to senders.",
           videoKeyframesAsked);
    metric(out, "samspil_video_receiver_holds_total", "counter",
           "Times video toward a receiver was held because its line lost it (its audio first).", videoReceiverHolds);
    line(out, "# HELP samspil_video_frames_dropped_total Video frames not relayed or not written, by reason.");
    line(out, "# TYPE samspil_video_frames_dropped_total counter");
    for (const char* reason : {"malformed", "camera_off", "not_joined", "no_path", "stale", "queue_full", "awaiting_keyframe",
                               "send_failed", "over_budget", "receiver_held"}) {
        const auto it = videoDropped.find(reason);
        line(out, std::string("samspil_video_frames_dropped_total{reason=\"") + reason + "\"} " +
                      std::to_string(it == videoDropped.end() ? 0 : it->second));
    }
    metric(out, "samspil_control_messages_in_total", "counter", "Control messages received.", controlMessagesIn);
    metric(out, "samspil_control_messages_out_total", "counter", "Control messages queued to clients.",
           controlMessagesOut);
    metric(out, "samspil_chat_messages_total", "counter", "Chat messages relayed.", chatMessages);
    metric(out, "samspil_store_failures_total", "counter", "Database jobs that failed.", gauges.storeFailures);
    gauges.databaseJobs.render("samspil_database_job_seconds",
                               "Time each database job (a write, a sign-in lookup, an API read) took on the store thread.",
                               out);
    line(out, "# HELP samspil_sign_in_failures_total Sign-ins refused, by reason.");
    line(out, "# TYPE samspil_sign_in_failures_total counter");
    line(out, "samspil_sign_in_failures_total{reason=\"wrong_password\"} " + std::to_string(gauges.signInWrongPassword));
    line(out, "samspil_sign_in_failures_total{reason=\"rate_limited\"} " + std::to_string(gauges.signInRateLimited));
    metric(out, "samspil_recordings_active", "gauge", "Rooms being recorded now.", gauges.recordingsActive);
    metric(out, "samspil_recording_bytes_written_total", "counter", "Bytes written to lesson recording files.",
           gauges.recordingBytes);
    metric(out, "samspil_recording_packets_dropped_total", "counter",
           "Packets left out of recordings because the recorder fell behind (a slow disk).", gauges.recordingDropped);
    metric(out, "samspil_recording_packets_misplaced_total", "counter",
           "Packets recorded where they arrived, their stream's clock epoch or timestamp being far off.",
           gauges.recordingMisplaced);
    line(out, "# HELP samspil_errors_sent_total Error messages sent to clients, by code.");
    line(out, "# TYPE samspil_errors_sent_total counter");
    for (const auto& [code, count] : errorsSent)
        line(out, "samspil_errors_sent_total{code=\"" + std::string(protocol::errorCodeName(code)) + "\"} " +
                      std::to_string(count));
    line(out, "# HELP samspil_disconnects_total Connections closed, by reason.");
    line(out, "# TYPE samspil_disconnects_total counter");
    for (const auto& [reason, count] : disconnects)
        line(out, "samspil_disconnects_total{reason=\"" + reason + "\"} " + std::to_string(count));
    relayLatency.render("samspil_relay_latency_seconds",
                        "Time from receiving a media packet to writing it to a recipient.", out);
    return out;
}

}  // namespace samspil::server
