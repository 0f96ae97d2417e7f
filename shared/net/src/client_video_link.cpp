#include "client_video_link.h"

#include "samspil/protocol/control_message.h"
#include "samspil/protocol/video_fragments.h"

#include <libwebsockets.h>

#include <algorithm>
#include <cstring>

namespace samspil::net {

using namespace samspil::protocol;

bool ClientVideoLink::push(std::span<const std::uint8_t> frame) {
    if (!parseVideoFrame(frame)) return false;
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueuedFrames) {
        queuedBytes_ -= queue_.front().size();
        queue_.pop_front();
        ++counters_.framesDropped;
    }
    queue_.emplace_back(frame.begin(), frame.end());
    queuedBytes_ += frame.size();
    return true;
}

VideoLinkCounters ClientVideoLink::counters() const {
    std::lock_guard lock(mutex_);
    VideoLinkCounters copy = counters_;
    copy.queuedBytes = queuedBytes_ + pacedBytes_.load();
    return copy;
}

std::optional<std::vector<std::uint8_t>> ClientVideoLink::takeFrame() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    std::vector<std::uint8_t> frame = std::move(queue_.front());
    queue_.pop_front();
    queuedBytes_ -= frame.size();
    return frame;
}

bool ClientVideoLink::hasQueued() const {
    std::lock_guard lock(mutex_);
    return !queue_.empty();
}

void ClientVideoLink::newToken(const std::optional<std::string>& token, std::int64_t nowUs) {
    token_ = token;
    retryAtUs_ = nowUs;
    if (wsi_) lws_set_timeout(wsi_, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);  // the old link belongs to the old welcome
}

void ClientVideoLink::stop() {
    token_.reset();
    if (wsi_) lws_set_timeout(wsi_, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    std::lock_guard lock(mutex_);
    queue_.clear();
    queuedBytes_ = 0;
}

bool ClientVideoLink::wantsConnect(std::int64_t nowUs) const {
    return token_ && !wsi_ && !connecting_ && nowUs >= retryAtUs_;
}

void ClientVideoLink::established() {
    connecting_ = false;
    established_ = true;
    attachSent_ = false;
    rx_.clear();
    rxOverflow_ = false;
    std::lock_guard lock(mutex_);
    ++counters_.linkOpens;
}

void ClientVideoLink::gone(std::int64_t nowUs) {
    wsi_ = nullptr;
    connecting_ = false;
    established_ = false;
    attachSent_ = false;
    retryAtUs_ = nowUs + kRetryAfterUs;
}

bool ClientVideoLink::wantsWrite(bool udpCarries) const {
    if (!attached()) return false;
    return !attachSent_ || (!udpCarries && hasQueued());
}

int ClientVideoLink::onWriteable(bool udpCarries) {
    if (!attached()) return 0;
    if (!attachSent_) {
        if (!token_) return -1;
        const std::string text = serialize(ClientMessage{VideoAttach{*token_}});
        tx_.resize(LWS_PRE + text.size());
        std::memcpy(tx_.data() + LWS_PRE, text.data(), text.size());
        if (lws_write(wsi_, tx_.data() + LWS_PRE, text.size(), LWS_WRITE_TEXT) < static_cast<int>(text.size())) return -1;
        attachSent_ = true;
        return 0;
    }
    if (udpCarries) return 0;
    // The newest frame only when the socket has taken the last: a frame that waited is stale.
    if (lws_partial_buffered(wsi_)) return 0;
    const auto frame = takeFrame();
    if (!frame) return 0;
    tx_.resize(LWS_PRE + frame->size());
    std::memcpy(tx_.data() + LWS_PRE, frame->data(), frame->size());
    if (lws_write(wsi_, tx_.data() + LWS_PRE, frame->size(), LWS_WRITE_BINARY) < static_cast<int>(frame->size())) return -1;
    std::lock_guard lock(mutex_);
    ++counters_.framesSent;
    return 0;
}

void ClientVideoLink::sendPaced(std::int64_t nowUs, const std::function<void(std::span<const std::uint8_t>)>& sendFragment) {
    const int kbps = paceKbps_.load();
    const double bytesPerUs = kbps > 0 ? kbps / 8000.0 : 1e9;
    // A little burst: 5 ms at the pace, and never less than two of its pieces.
    const double burst = std::max(2.0 * static_cast<double>(pieceBytesAt(kbps)), bytesPerUs * 5'000);
    paceTokens_ = std::min(burst, paceTokens_ + static_cast<double>(nowUs - paceRefilledUs_) * bytesPerUs);
    paceRefilledUs_ = nowUs;
    while (auto frame = takeFrame()) {
        // A backlog beyond what the pace clears in 300 ms is stale: the older frames give way.
        if (kbps > 0 && static_cast<double>(fragmentBytes_) > bytesPerUs * kMaxPacedBacklogUs) {
            fragments_.clear();
            fragmentBytes_ = 0;
            std::lock_guard lock(mutex_);
            ++counters_.framesDropped;
        }
        protocol::fragmentVideoFrame(
            *frame, 0,
            [this](std::span<const std::uint8_t> fragment) {
                fragments_.emplace_back(fragment.begin(), fragment.end());
                fragmentBytes_ += fragment.size();
            },
            pieceBytesAt(kbps));
        std::lock_guard lock(mutex_);
        ++counters_.framesSent;
        ++counters_.framesSentUdp;
    }
    while (!fragments_.empty() && paceTokens_ >= static_cast<double>(fragments_.front().size())) {
        paceTokens_ -= static_cast<double>(fragments_.front().size());
        sendFragment(fragments_.front());
        fragmentBytes_ -= fragments_.front().size();
        fragments_.pop_front();
    }
    pacedBytes_.store(fragmentBytes_);
}

// Pieces that hold a line at the pace for about 10 ms: on a slow upload a full datagram would
// hold it for 20 ms and more, in front of the next audio packet.
std::size_t ClientVideoLink::pieceBytesAt(int kbps) {
    if (kbps <= 0) return protocol::kVideoFragmentPieceBytes;
    return std::clamp<std::size_t>(static_cast<std::size_t>(kbps) * 10 / 8, kSmallestPieceBytes, protocol::kVideoFragmentPieceBytes);
}

std::int64_t ClientVideoLink::paceDeadlineUs() const {
    if (fragments_.empty()) return kNever;
    const int kbps = paceKbps_.load();
    if (kbps <= 0) return paceRefilledUs_;
    const double missing = static_cast<double>(fragments_.front().size()) - paceTokens_;
    return paceRefilledUs_ + std::max<std::int64_t>(100, static_cast<std::int64_t>(missing / (kbps / 8000.0)));
}

int ClientVideoLink::onReceive(lws* connection, const void* data, std::size_t length,
                               const std::function<void(std::span<const std::uint8_t>)>& onFrame) {
    if (lws_is_first_fragment(connection)) {
        rx_.clear();
        rxOverflow_ = false;
    }
    if (rx_.size() + length > kMaxVideoFrameBytes) rxOverflow_ = true;
    if (!rxOverflow_) rx_.insert(rx_.end(), static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + length);
    if (!lws_is_final_fragment(connection)) return 0;
    if (rxOverflow_) {
        lws_close_reason(connection, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nullptr, 0);
        return -1;
    }
    // Text on the video WebSocket is the server's error for a refused attach: the link
    // closes after it and is opened again with the next welcome's token.
    if (lws_frame_is_binary(connection)) received(rx_, onFrame);
    return 0;
}

void ClientVideoLink::received(std::span<const std::uint8_t> frame,
                               const std::function<void(std::span<const std::uint8_t>)>& onFrame) {
    const bool valid = static_cast<bool>(parseVideoFrame(frame));
    {
        std::lock_guard lock(mutex_);
        ++(valid ? counters_.framesReceived : counters_.framesMalformed);
    }
    if (valid) onFrame(frame);
}

std::int64_t ClientVideoLink::nextDeadlineUs() const {
    return std::min(token_ && !wsi_ && !connecting_ ? retryAtUs_ : kNever, paceDeadlineUs());
}

}  // namespace samspil::net
