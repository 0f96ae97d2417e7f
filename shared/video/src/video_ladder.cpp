#include "samspil/video/video_ladder.h"

#include <algorithm>

namespace samspil::video {

VideoRateController::VideoRateController(int startStep, int highest)
    : step_(std::clamp(startStep, 0, highest)), highest_(std::clamp(highest, 0, static_cast<int>(kVideoLadder.size()) - 1)) {}

void VideoRateController::setHighest(int highest) {
    highest_ = std::clamp(highest, 0, static_cast<int>(kVideoLadder.size()) - 1);
    step_ = std::min(step_, highest_);
}

const char* VideoRateController::strain(const LineSignals& s) {
    if (s.audioStrained) return "audio";
    if (s.worstLossPercent >= 3) return "loss";
    if (s.worstDelayMs >= 250) return "delay";
    if (s.droppedByServer > 0) return "dropped by the server";
    if (s.sendBacklogUs >= 300'000) return "send backlog";
    if (s.queueingDelayMs >= kQueueingStrainMs) return "queueing";
    if (s.uplinkQueueMs >= kUplinkStrainMs) return "upload queue";
    return nullptr;
}

int VideoRateController::update(const LineSignals& signals, std::int64_t nowUs) {
    if (paused_) {
        // Paused: nothing is sent, so the line's figures say nothing about video; after a
        // while the bottom step is tried again (unless the audio itself is strained).
        if (nowUs - pausedAtUs_ >= kPauseForUs && !signals.audioStrained) {
            paused_ = false;
            step_ = 0;
            cleanSinceUs_ = nowUs;
            strainedAtBottomSinceUs_ = -1;
        }
        return step();
    }
    if (strained(signals)) {
        everStrained_ = true;
        cleanSinceUs_ = -1;
        // The last step up was too much for the line: wait longer before the next try.
        if (lastUpUs_ >= 0 && nowUs - lastUpUs_ < kStepUpTestUs) beforeUpUs_ = std::min(2 * beforeUpUs_, kLongestBeforeUpUs);
        lastUpUs_ = -1;
        if (step_ > 0) {
            // Down at once; after a step down the next waits a little (the line needs a
            // moment to show the effect), unless the audio suffers.
            // A queue of twice the strain's delay is the audio's too: straight to the bottom.
            const bool severe = signals.audioStrained || signals.worstLossPercent >= 10 ||
                                signals.queueingDelayMs >= 2 * kQueueingStrainMs || signals.uplinkQueueMs >= 2 * kQueueingStrainMs;
            if (lastDownUs_ < 0 || nowUs - lastDownUs_ >= 1'000'000 || severe) {
                step_ = severe ? 0 : step_ - 1;
                lastDownUs_ = nowUs;
            }
            strainedAtBottomSinceUs_ = step_ == 0 ? nowUs : -1;
        } else {
            if (strainedAtBottomSinceUs_ < 0) strainedAtBottomSinceUs_ = nowUs;
            if (signals.audioStrained || nowUs - strainedAtBottomSinceUs_ >= kStrainedBeforePauseUs) {
                paused_ = true;
                pausedAtUs_ = nowUs;
            }
        }
        return step();
    }
    strainedAtBottomSinceUs_ = -1;
    if (cleanSinceUs_ < 0) cleanSinceUs_ = nowUs;
    if (lastUpUs_ >= 0 && nowUs - lastUpUs_ >= kStepUpTestUs) lastUpUs_ = -1;  // that step held
    if (step_ < highest_ && nowUs - cleanSinceUs_ >= (everStrained_ ? beforeUpUs_ : kRampUpUs)) {
        ++step_;
        cleanSinceUs_ = nowUs;
        lastUpUs_ = nowUs;
    }
    return step();
}

}  // namespace samspil::video
