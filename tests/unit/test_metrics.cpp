// The Prometheus text a school's monitoring scrapes.
#include "metrics.h"

#include <catch2/catch.hpp>

using namespace samspil::server;

TEST_CASE("metrics render as Prometheus text with a cumulative latency histogram", "[server][metrics]") {
    RelayMetrics metrics;
    metrics.mediaPacketsIn = 10;
    metrics.mediaPacketsOut = 20;
    metrics.mediaDroppedQueueFull = 3;
    metrics.errorsSent[samspil::protocol::ErrorCode::BadJson] = 2;
    metrics.disconnects["too_slow"] = 1;
    metrics.relayLatency.observe(0.00004);
    metrics.relayLatency.observe(0.0003);
    metrics.relayLatency.observe(0.5);
    RelayGauges gauges;
    gauges.connections = 4;
    gauges.rooms = 2;
    gauges.participants = 3;
    const std::string text = metrics.renderPrometheus(gauges);

    CHECK(text.find("samspil_connections 4\n") != std::string::npos);
    CHECK(text.find("samspil_rooms 2\n") != std::string::npos);
    CHECK(text.find("samspil_media_packets_in_total 10\n") != std::string::npos);
    CHECK(text.find("samspil_media_packets_out_total 20\n") != std::string::npos);
    CHECK(text.find("samspil_media_packets_dropped_total{reason=\"queue_full\"} 3\n") != std::string::npos);
    CHECK(text.find("samspil_errors_sent_total{code=\"bad_json\"} 2\n") != std::string::npos);
    CHECK(text.find("samspil_disconnects_total{reason=\"too_slow\"} 1\n") != std::string::npos);
    CHECK(text.find("samspil_relay_latency_seconds_bucket{le=\"5e-05\"} 1\n") != std::string::npos);
    CHECK(text.find("samspil_relay_latency_seconds_bucket{le=\"0.0005\"} 2\n") != std::string::npos);
    CHECK(text.find("samspil_relay_latency_seconds_bucket{le=\"0.1\"} 2\n") != std::string::npos);
    CHECK(text.find("samspil_relay_latency_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
    CHECK(text.find("samspil_relay_latency_seconds_count 3\n") != std::string::npos);
    CHECK(text.find("# TYPE samspil_relay_latency_seconds histogram") != std::string::npos);
}

TEST_CASE("the figures an operator alerts on: sign-in failures, database job time, recordings", "[server][metrics]") {
    RelayGauges gauges;
    gauges.signInWrongPassword = 7;
    gauges.signInRateLimited = 2;
    gauges.databaseJobs.observe(0.0004);
    gauges.databaseJobs.observe(0.03);
    gauges.recordingsActive = 1;
    gauges.recordingBytes = 123456;
    gauges.recordingDropped = 5;
    const std::string text = RelayMetrics{}.renderPrometheus(gauges);
    CHECK(text.find("samspil_sign_in_failures_total{reason=\"wrong_password\"} 7\n") != std::string::npos);
    CHECK(text.find("samspil_sign_in_failures_total{reason=\"rate_limited\"} 2\n") != std::string::npos);
    CHECK(text.find("samspil_database_job_seconds_bucket{le=\"0.0005\"} 1\n") != std::string::npos);
    CHECK(text.find("samspil_database_job_seconds_bucket{le=\"0.05\"} 2\n") != std::string::npos);
    CHECK(text.find("samspil_database_job_seconds_count 2\n") != std::string::npos);
    CHECK(text.find("samspil_recordings_active 1\n") != std::string::npos);
    CHECK(text.find("samspil_recording_bytes_written_total 123456\n") != std::string::npos);
    CHECK(text.find("samspil_recording_packets_dropped_total 5\n") != std::string::npos);
    CHECK(text.find("# HELP samspil_sign_in_failures_total ") != std::string::npos);
}
