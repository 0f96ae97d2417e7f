// Per-connection queues: control is reliable but bounded (a client that does not read is
// closed as too slow), media is perishable (the oldest packet goes when the ring is full).
#include "relay/connection_table.h"

#include <catch2/catch.hpp>

using namespace samspil::server;

namespace {

int writeRequests = 0;
void countWriteRequest(lws*) {
    ++writeRequests;
}

SharedMedia packet(std::int64_t receivedUs, std::uint8_t marker) {
    auto media = std::make_shared<MediaBuffer>();
    media->receivedUs = receivedUs;
    media->length = 20;
    media->bytes[19] = marker;
    return media;
}

}  // namespace

TEST_CASE("a client that stops reading control messages is closed as too slow", "[server][queues]") {
    RelayMetrics metrics;
    ConnectionLimits limits;
    limits.maxControlBacklogBytes = 10'000;
    ConnectionTable table(metrics, limits, &countWriteRequest);
    Connection& slow = table.add(nullptr);
    Connection& fine = table.add(nullptr);
    writeRequests = 0;

    for (int i = 0; i < 9; ++i) table.sendText(slow.id, std::string(1000, 'x'));
    CHECK_FALSE(slow.closing);
    CHECK(slow.controlBytes == 9000);
    table.sendText(slow.id, std::string(1500, 'x'));  // past the limit
    CHECK(slow.closing);
    CHECK(slow.closeReason == "too_slow");
    CHECK(slow.closeCode == kClosePolicy);
    CHECK(slow.control.empty());  // its backlog is dropped, nothing more is queued
    table.sendText(slow.id, "more");
    CHECK(slow.control.empty());
    CHECK(metrics.disconnects["too_slow"] == 1);

    table.sendText(fine.id, "hello");  // the others are not affected
    CHECK(fine.control.size() == 1);
    CHECK_FALSE(fine.closing);
    CHECK(writeRequests >= 11);
}

TEST_CASE("a full media ring drops its oldest packet and counts it", "[server][queues]") {
    RelayMetrics metrics;
    ConnectionTable table(metrics, {}, &countWriteRequest);
    Connection& listener = table.add(nullptr);
    for (int i = 0; i < static_cast<int>(MediaQueue::kCapacity) + 5; ++i)
        table.sendMedia(listener.id, packet(i, static_cast<std::uint8_t>(i)));
    CHECK(listener.media.size() == MediaQueue::kCapacity);
    CHECK(metrics.mediaDroppedQueueFull == 5);
    // The oldest five are gone: the ring now starts at packet 5.
    CHECK(listener.media.front()->bytes[19] == 5);
}

TEST_CASE("output queued during one event-loop pass asks for one flush, not one wake-up per packet", "[server][queues]") {
    RelayMetrics metrics;
    int flushRequests = 0;
    ConnectionTable table(metrics, {}, &countWriteRequest, [&] { ++flushRequests; });
    Connection& a = table.add(nullptr);
    Connection& b = table.add(nullptr);
    writeRequests = 0;
    for (int i = 0; i < 3; ++i) {
        table.sendMedia(a.id, packet(0, 1));
        table.sendMedia(b.id, packet(0, 2));
    }
    table.sendText(a.id, "peers");
    CHECK(flushRequests == 1);
    CHECK(writeRequests == 0);  // no per-connection writeable callbacks for ordinary output
    CHECK(a.dirty);
    CHECK(b.dirty);
    CHECK(a.media.size() == 3);
    table.closeAfterFlush(b.id, kCloseNormal, "leave");
    CHECK(writeRequests == 1);  // a close still goes through lws's writeable callback
}

TEST_CASE("closing drops pending media and takes no more", "[server][queues]") {
    RelayMetrics metrics;
    ConnectionTable table(metrics, {}, &countWriteRequest);
    Connection& leaving = table.add(nullptr);
    table.sendMedia(leaving.id, packet(0, 1));
    table.closeAfterFlush(leaving.id, kCloseNormal, "leave");
    CHECK(leaving.media.size() == 0);
    table.sendMedia(leaving.id, packet(0, 2));
    CHECK(leaving.media.size() == 0);
    const ConnectionId id = leaving.id;
    table.remove(id);  // `leaving` is gone now
    CHECK(table.find(id) == nullptr);
    CHECK(table.size() == 0);
}
