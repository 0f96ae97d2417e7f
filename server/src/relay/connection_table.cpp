#include "relay/connection_table.h"

#include <libwebsockets.h>

#include <algorithm>
#include <cstring>

namespace samspil::server {

namespace {
void requestWriteFromLws(lws* wsi) {
    lws_callback_on_writable(wsi);
}
}  // namespace

ConnectionTable::ConnectionTable(RelayMetrics& metrics, ConnectionLimits limits, WriteRequest requestWrite,
                                 FlushRequest requestFlush)
    : metrics_(metrics),
      limits_(limits),
      requestWrite_(requestWrite ? requestWrite : &requestWriteFromLws),
      requestFlush_(std::move(requestFlush)),
      txBuffer_(LWS_PRE + std::max(limits.maxCoalescedMediaBytes, protocol::kMaxControlMessageBytes)) {}

Connection& ConnectionTable::add(lws* wsi) {
    auto connection = std::make_unique<Connection>();
    connection->id = nextId_++;
    connection->wsi = wsi;
    Connection& ref = *connection;
    connections_.emplace(ref.id, std::move(connection));
    return ref;
}

void ConnectionTable::remove(ConnectionId id) {
    connections_.erase(id);
}

Connection* ConnectionTable::find(ConnectionId id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
}

void ConnectionTable::sendText(ConnectionId to, std::string text) {
    Connection* connection = find(to);
    if (!connection || connection->closing) return;
    if (connection->controlBytes + text.size() > limits_.maxControlBacklogBytes) {
        // The client is not reading. Its backlog will never be delivered: drop it and close.
        ++metrics_.disconnects["too_slow"];
        connection->control.clear();
        connection->controlBytes = 0;
        closeAfterFlush(to, kClosePolicy, "too_slow");
        return;
    }
    connection->controlBytes += text.size();
    connection->control.push_back(std::move(text));
    markDirty(*connection);
}

void ConnectionTable::sendMedia(ConnectionId to, const SharedMedia& packet) {
    Connection* connection = find(to);
    if (!connection || connection->closing) return;
    connection->media.push(packet, metrics_);
    markDirty(*connection);
}

void ConnectionTable::closeAfterFlush(ConnectionId who, int closeCode, std::string reason) {
    Connection* connection = find(who);
    if (!connection || connection->closing) return;
    connection->closing = true;
    connection->closeCode = closeCode;
    connection->closeReason = std::move(reason);
    connection->media.clear();
    connection->video.clear();
    requestWrite_(connection->wsi);
}

void ConnectionTable::markDirty(Connection& connection) {
    if (!requestFlush_) {  // no per-pass flush: write from lws's writeable callback
        requestWrite_(connection.wsi);
        return;
    }
    if (connection.dirty) return;
    connection.dirty = true;
    if (dirty_.empty()) requestFlush_();
    dirty_.push_back(connection.id);
}

void ConnectionTable::flushDirty(std::int64_t nowUs) {
    std::vector<ConnectionId> ids;
    ids.swap(dirty_);
    // Video WebSockets last: a keyframe written is never in front of anyone's sound this pass.
    std::stable_partition(ids.begin(), ids.end(), [this](ConnectionId id) {
        const Connection* connection = find(id);
        return !connection || !connection->videoLink;
    });
    for (ConnectionId id : ids) {
        Connection* connection = find(id);
        if (!connection || !connection->dirty) continue;
        connection->dirty = false;
        // A full socket (lws holds a partial write) or a close: leave it to the writeable callback.
        if (connection->closing || lws_partial_buffered(connection->wsi)) {
            requestWrite_(connection->wsi);
            continue;
        }
        bool failed = !connection->media.empty() && writeMedia(*connection, nowUs) < 0;
        while (!failed && !connection->control.empty() && !lws_partial_buffered(connection->wsi))
            failed = writeControl(*connection) < 0;
        // One video frame a pass (a keyframe is tens of kB): the rest when lws says writeable.
        if (!failed && !connection->video.empty() && !lws_partial_buffered(connection->wsi))
            failed = writeVideo(*connection, nowUs) < 0;
        if (failed) {
            connection->closing = true;  // the socket is gone; lws closes it from the callback
            requestWrite_(connection->wsi);
        } else if (!connection->media.empty() || !connection->control.empty() || !connection->video.empty()) {
            requestWrite_(connection->wsi);
        }
    }
}

int ConnectionTable::onWriteable(Connection& connection, std::int64_t nowUs) {
    // One frame per writeable callback. Media and control take turns when both wait,
    // so neither starves the other.
    const bool haveMedia = !connection.media.empty();
    const bool haveControl = !connection.control.empty();
    int result = 0;
    if (haveMedia && (!haveControl || !connection.lastWriteWasMedia)) {
        result = writeMedia(connection, nowUs);
    } else if (haveControl) {
        result = writeControl(connection);
    } else if (!connection.video.empty() && !connection.closing) {
        result = writeVideo(connection, nowUs);
    } else if (connection.closing) {
        if (connection.closeSent) return -1;
        connection.closeSent = true;
        const std::string& reason = connection.closeReason;
        lws_close_reason(connection.wsi, static_cast<lws_close_status>(connection.closeCode),
                         reinterpret_cast<unsigned char*>(const_cast<char*>(reason.data())),
                         std::min<std::size_t>(reason.size(), 120));
        ++metrics_.disconnects[reason.empty() ? "server_closed" : reason];
        return -1;
    }
    if (result < 0) return -1;
    if (!connection.media.empty() || !connection.control.empty() || !connection.video.empty() || connection.closing)
        lws_callback_on_writable(connection.wsi);
    return 0;
}

int ConnectionTable::writeMedia(Connection& connection, std::int64_t nowUs) {
    // Everything due to this client goes out in one binary message (write coalescing).
    unsigned char* start = txBuffer_.data() + LWS_PRE;
    batch_.clear();
    const std::size_t used =
        connection.media.take({start, limits_.maxCoalescedMediaBytes}, 0, nowUs, limits_.media, batch_, metrics_);
    connection.lastWriteWasMedia = true;
    if (used == 0) return 0;
    if (lws_write(connection.wsi, start, used, LWS_WRITE_BINARY) < static_cast<int>(used)) {
        noteNotWritten(batch_, metrics_);
        return -1;
    }
    noteWritten(batch_, false, nowUs, metrics_);
    return 0;
}

void ConnectionTable::setVideoLink(ConnectionId id) {
    if (Connection* connection = find(id)) connection->videoLink = true;
}

void ConnectionTable::sendVideo(ConnectionId link, const SharedVideo& frame, std::int64_t nowUs) {
    Connection* connection = find(link);
    if (!connection || connection->closing || !connection->videoLink) return;
    connection->video.push(frame, nowUs, metrics_, [&](std::uint16_t stream, std::uint32_t frames) {
        if (videoDropped_) videoDropped_(link, stream, frames);
    });
    markDirty(*connection);
}

int ConnectionTable::writeVideo(Connection& connection, std::int64_t nowUs) {
    const ConnectionId id = connection.id;
    const SharedVideo frame = connection.video.take(
        nowUs, metrics_,
        [&](std::uint16_t stream, std::uint32_t frames) {
            if (videoDropped_) videoDropped_(id, stream, frames);
        },
        [&](std::uint16_t stream, protocol::VideoLayer layer) {
            if (videoRecovered_) videoRecovered_(id, stream, layer);
        });
    connection.lastWriteWasMedia = false;
    if (!frame) return 0;
    if (videoTx_.empty()) videoTx_.resize(LWS_PRE + protocol::kMaxVideoFrameBytes);
    std::memcpy(videoTx_.data() + LWS_PRE, frame->bytes.data(), frame->bytes.size());
    if (lws_write(connection.wsi, videoTx_.data() + LWS_PRE, frame->bytes.size(), LWS_WRITE_BINARY) <
        static_cast<int>(frame->bytes.size())) {
        ++metrics_.videoDropped["send_failed"];
        return -1;
    }
    ++metrics_.videoFramesOut;
    metrics_.videoBytesOut += frame->bytes.size();
    return 0;
}

int ConnectionTable::writeControl(Connection& connection) {
    std::string text = std::move(connection.control.front());
    connection.control.pop_front();
    connection.controlBytes -= text.size();
    connection.lastWriteWasMedia = false;
    if (text.size() > txBuffer_.size() - LWS_PRE) return 0;  // never produced by RoomService
    std::memcpy(txBuffer_.data() + LWS_PRE, text.data(), text.size());
    return lws_write(connection.wsi, txBuffer_.data() + LWS_PRE, text.size(), LWS_WRITE_TEXT) <
                   static_cast<int>(text.size())
               ? -1
               : 0;
}

}  // namespace samspil::server
