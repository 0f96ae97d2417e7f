#include "relay/video_queue.h"

#include <algorithm>

namespace samspil::server {

void VideoQueue::drop(std::deque<SharedVideo>::iterator at, const char* why, RelayMetrics& metrics, const Dropped& dropped) {
    ++metrics.videoDropped[why];
    if (dropped) dropped((*at)->streamId, 1);
    bytes_ -= (*at)->bytes.size();
    frames_.erase(at);
}

// A frame of `key` was lost: the frames after it cannot be decoded until a keyframe.
void VideoQueue::breakStream(const Key& key, RelayMetrics& metrics, const Dropped& dropped) {
    broken_.insert(key);
    owedKeyframe_.insert(key);
    for (auto it = frames_.begin(); it != frames_.end();) {
        if ((*it)->streamId != key.first || (*it)->layer != key.second || (*it)->keyframe) {
            ++it;
            continue;
        }
        ++metrics.videoDropped["awaiting_keyframe"];
        if (dropped) dropped((*it)->streamId, 1);
        bytes_ -= (*it)->bytes.size();
        it = frames_.erase(it);
    }
    // A keyframe of it still queued starts it again for the receiver.
    for (const SharedVideo& frame : frames_)
        if (frame->streamId == key.first && frame->layer == key.second && frame->keyframe) {
            broken_.erase(key);
            owedKeyframe_.erase(key);
            break;
        }
}

void VideoQueue::push(const SharedVideo& frame, std::int64_t nowUs, RelayMetrics& metrics, const Dropped& dropped) {
    const Key key{frame->streamId, frame->layer};
    if (broken_.count(key)) {
        if (!frame->keyframe) {
            ++metrics.videoDropped["awaiting_keyframe"];
            if (dropped) dropped(frame->streamId, 1);
            return;
        }
        broken_.erase(key);  // a keyframe: this stream can be decoded again from here
    }
    // Stale ones at the front, then the oldest until the new one fits.
    while (!frames_.empty() && nowUs - frames_.front()->receivedUs > kMaxAgeUs) {
        const Key lost{frames_.front()->streamId, frames_.front()->layer};
        drop(frames_.begin(), "stale", metrics, dropped);
        breakStream(lost, metrics, dropped);
    }
    while (!frames_.empty() && bytes_ + frame->bytes.size() > kMaxBytes) {
        const Key lost{frames_.front()->streamId, frames_.front()->layer};
        drop(frames_.begin(), "queue_full", metrics, dropped);
        breakStream(lost, metrics, dropped);
    }
    if (broken_.count(key) && !frame->keyframe) {  // its own stream broke just now
        ++metrics.videoDropped["awaiting_keyframe"];
        if (dropped) dropped(frame->streamId, 1);
        return;
    }
    frames_.push_back(frame);
    bytes_ += frame->bytes.size();
}

SharedVideo VideoQueue::take(std::int64_t nowUs, RelayMetrics& metrics, const Dropped& dropped, const Recovered& recovered) {
    while (!frames_.empty() && nowUs - frames_.front()->receivedUs > kMaxAgeUs) {
        const Key lost{frames_.front()->streamId, frames_.front()->layer};
        drop(frames_.begin(), "stale", metrics, dropped);
        breakStream(lost, metrics, dropped);
    }
    SharedVideo next;
    if (!frames_.empty()) {
        next = frames_.front();
        bytes_ -= next->bytes.size();
        frames_.pop_front();
    }
    if (frames_.empty() && !owedKeyframe_.empty()) {
        // Caught up: every stream that broke on the way needs a keyframe to be seen again.
        for (const Key& key : owedKeyframe_)
            if (recovered) recovered(key.first, key.second);
        owedKeyframe_.clear();
    }
    return next;
}

void VideoQueue::clear() {
    frames_.clear();
    bytes_ = 0;
    broken_.clear();
    owedKeyframe_.clear();
}

}  // namespace samspil::server
