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
    while (auto frame = takeFrame()) {
        const auto parsed = protocol::parseVideoFrame(*frame);
        if (!parsed) continue;
        // Spread over most of a frame interval: the frame's bytes leave at the rate the video
        // is made, never as one burst. A backlog beyond 300 ms is stale: the older frames go.
        const std::int64_t intervalUs = 1'000'000 / std::max<int>(1, parsed->header.framesPerSecond);
        if (!fragments_.empty() && fragments_.back().releaseUs - nowUs > kMaxPacedBacklogUs) {
            fragments_.clear();
            fragmentBytes_ = 0;
            std::lock_guard lock(mutex_);
            ++counters_.framesDropped;
        }
        // Pieces that hold a line at that rate for about 10 ms: on a slow upload a full
        // datagram would hold it for 20 ms and more, in front of the next audio packet.
        const std::size_t bytesPerSecond = frame->size() * 1'000'000 / static_cast<std::size_t>(intervalUs);
        const std::size_t piece = std::clamp<std::size_t>(bytesPerSecond / 100, kSmallestPieceBytes, protocol::kVideoFragmentPieceBytes);
        std::vector<std::vector<std::uint8_t>> pieces;
        protocol::fragmentVideoFrame(
            *frame, 0, [&](std::span<const std::uint8_t> fragment) { pieces.emplace_back(fragment.begin(), fragment.end()); },
            piece);
        const std::int64_t from = fragments_.empty() ? nowUs : std::max(nowUs, fragments_.back().releaseUs);
        // A keyframe (up to three frames' worth) over three intervals: the frames after it wait
        // a little, the line's queue does not grow in front of the audio.
        const std::int64_t spread = intervalUs * (parsed->header.keyframe() ? 27 : 9) / 10;
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            fragmentBytes_ += pieces[i].size();
            fragments_.push_back({from + spread * static_cast<std::int64_t>(i) / static_cast<std::int64_t>(pieces.size()),
                                  std::move(pieces[i])});
        }
        std::lock_guard lock(mutex_);
        ++counters_.framesSent;
        ++counters_.framesSentUdp;
    }
    while (!fragments_.empty() && fragments_.front().releaseUs <= nowUs) {
        sendFragment(fragments_.front().bytes);
        fragmentBytes_ -= fragments_.front().bytes.size();
        fragments_.pop_front();
    }
    pacedBytes_.store(fragmentBytes_);
}

std::int64_t ClientVideoLink::paceDeadlineUs() const {
    return fragments_.empty() ? kNever : fragments_.front().releaseUs;
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
