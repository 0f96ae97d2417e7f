#include "samspil/core/jitter_buffer.h"

#include "samspil/core/opus_codec.h"

#include <algorithm>
#include <cstring>

namespace samspil {
namespace {

constexpr int kHistoryBits = 64;
constexpr std::int64_t kUnderrunHoldUs = 4'000'000;  // keep a grown buffer this long after an underrun

std::int32_t sequenceDiff(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b);
}

std::int64_t samplesToMicros(std::int64_t samples) {
    return samples * 1'000'000 / protocol::kMediaSampleRate;
}

std::uint32_t roundUpPowerOfTwo(int n) {
    std::uint32_t p = 16;
    while (p < static_cast<std::uint32_t>(n)) p <<= 1;
    return p;
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferSettings& settings)
    : settings_(settings), slots_(roundUpPowerOfTwo(settings.capacity)) {
    mask_ = static_cast<std::uint32_t>(slots_.size() - 1);
}

JitterBuffer::Slot* JitterBuffer::find(std::uint32_t sequence) {
    Slot& slot = slots_[sequence & mask_];
    return (slot.used && slot.sequence == sequence) ? &slot : nullptr;
}

void JitterBuffer::release(Slot& slot) {
    slot.used = false;
    --queued_;
    stats_.depthPackets = queued_;
}

void JitterBuffer::resetTo(std::uint32_t sequence) {
    for (Slot& slot : slots_) slot.used = false;
    queued_ = 0;
    stats_.depthPackets = 0;
    started_ = true;
    playing_ = false;
    nextSequence_ = sequence;
    stretchRun_ = 0;
    pendingRestart_ = true;
    passedKnown_ = 0;
    haveTransit_ = false;
}

void JitterBuffer::clear() {
    resetTo(0);
    started_ = false;
}

void JitterBuffer::insert(const protocol::MediaHeader& header, std::span<const std::uint8_t> payload,
                          std::int64_t arrivalUs) {
    if (payload.empty() || payload.size() > protocol::kMaxOpusPayloadBytes) return;
    const std::uint32_t sequence = header.sequence;

    if (!started_) {
        resetTo(sequence);
    } else if (header.streamStart()) {
        // The sender restarted its stream. Only a packet outside the current window is a
        // new start; inside it, it is a duplicate or reordered copy of the old start packet.
        const std::int32_t diff = sequenceDiff(sequence, nextSequence_);
        if (diff < -kHistoryBits || diff >= static_cast<std::int32_t>(slots_.size())) {
            ++stats_.resets;
            resetTo(sequence);
        }
    }

    const std::int32_t diff = sequenceDiff(sequence, nextSequence_);
    if (diff < 0) {
        const int age = -diff;  // 1 = the packet just passed
        const std::uint64_t bit = age <= kHistoryBits ? (std::uint64_t{1} << (age - 1)) : 0;
        if (bit && (passedKnown_ & bit) && !(passedHistory_ & bit)) {
            ++stats_.duplicates;  // it was played already
        } else {
            ++stats_.late;        // its turn passed without it: it was concealed
            if (bit && (passedHistory_ & bit)) {
                passedHistory_ &= ~bit;  // a second copy now counts as a duplicate
                if (stats_.lost > 0) --stats_.lost;
            }
        }
        return;
    }
    if (diff >= static_cast<std::int32_t>(slots_.size())) {
        // Far ahead of playout: the stream jumped (long outage, sender restart). Start over.
        ++stats_.resets;
        resetTo(sequence);
    }

    Slot& slot = slots_[sequence & mask_];
    if (slot.used) {
        ++stats_.duplicates;
        return;
    }
    const int samples = opusPacketSamples(payload);
    slot.used = true;
    slot.sequence = sequence;
    slot.timestamp = header.timestamp;
    slot.samples = samples > 0 ? samples : frameSamples_;
    slot.restart = header.streamStart();
    slot.arrivalUs = arrivalUs;
    slot.length = static_cast<std::uint16_t>(payload.size());
    std::memcpy(slot.data, payload.data(), payload.size());
    ++queued_;
    ++stats_.received;
    stats_.depthPackets = queued_;
    stats_.maxDepthPackets = std::max(stats_.maxDepthPackets, queued_);
    noteArrival(header, arrivalUs);
}

void JitterBuffer::noteArrival(const protocol::MediaHeader& header, std::int64_t arrivalUs) {
    // RFC 3550 §6.4.1: J += (|D| - J) / 16, D the change in transit time between arrivals.
    const std::int64_t transitUs = arrivalUs - samplesToMicros(header.timestamp);
    if (haveTransit_) {
        std::int64_t d = transitUs - lastTransitUs_;
        // The timestamp wraps every 2^32 samples; fold the jump back.
        const std::int64_t wrapUs = samplesToMicros(std::int64_t{1} << 32);
        if (d > wrapUs / 2) d -= wrapUs;
        if (d < -wrapUs / 2) d += wrapUs;
        jitterUs_ += (static_cast<double>(d < 0 ? -d : d) - jitterUs_) / 16.0;
        stats_.jitterMs = jitterUs_ / 1000.0;
    }
    haveTransit_ = true;
    lastTransitUs_ = transitUs;
    lastArrivalUs_ = arrivalUs;
}

bool JitterBuffer::primeFromLowestQueued() {
    if (queued_ == 0) return false;
    const Slot* lowest = nullptr;
    std::int32_t lowestDiff = 0;
    for (const Slot& slot : slots_) {
        if (!slot.used) continue;
        const std::int32_t diff = sequenceDiff(slot.sequence, nextSequence_);
        if (!lowest || diff < lowestDiff) {
            lowest = &slot;
            lowestDiff = diff;
        }
    }
    nextSequence_ = lowest->sequence;
    nextTimestamp_ = lowest->timestamp;
    passedKnown_ = 0;
    return true;
}

void JitterBuffer::rememberPassed(bool concealed) {
    passedHistory_ = (passedHistory_ << 1) | (concealed ? 1u : 0u);
    passedKnown_ = (passedKnown_ << 1) | 1u;
}

void JitterBuffer::notePlayedWait(std::int64_t waitUs, std::int64_t nowUs) {
    (void)nowUs;
    if (!windowHasWait_ || waitUs < windowMinWaitUs_) windowMinWaitUs_ = waitUs;
    windowHasWait_ = true;
    const double waitMs = static_cast<double>(waitUs) / 1000.0;
    stats_.bufferDelayMs += (waitMs - stats_.bufferDelayMs) / 32.0;
    waitSumMs_ += waitMs;
    ++waitCount_;
    stats_.meanBufferDelayMs = waitSumMs_ / static_cast<double>(waitCount_);
}

void JitterBuffer::catchUpIfTooDeep(std::int64_t nowUs) {
    if (!playing_ || nowUs - windowStartUs_ < settings_.adaptWindowUs) return;
    if (windowHasWait_) {
        // Every packet of the window waited at least windowMinWaitUs_: that much delay is
        // not needed to absorb the jitter seen. Skip whole frames of it, keep the margin.
        const std::int64_t frameUs = std::max<std::int64_t>(1, samplesToMicros(frameSamples_));
        std::int64_t surplusFrames = (windowMinWaitUs_ - settings_.safetyMarginUs) / frameUs;
        while (surplusFrames-- > 0 && queued_ > 1) {
            Slot* slot = find(nextSequence_);
            if (!slot) break;
            nextTimestamp_ = slot->timestamp + static_cast<std::uint32_t>(slot->samples);
            release(*slot);
            rememberPassed(false);
            ++nextSequence_;
            ++stats_.droppedToCatchUp;
        }
    }
    windowStartUs_ = nowUs;
    windowHasWait_ = false;
}

PlayoutDecision JitterBuffer::concealCurrent(bool advance) {
    PlayoutDecision decision;
    const Slot* following = find(nextSequence_ + 1);
    decision.kind = following ? PlayoutKind::ConcealFromNext : PlayoutKind::Conceal;
    if (following) decision.payload = {following->data, following->length};
    decision.timestamp = nextTimestamp_;
    decision.samples = frameSamples_;
    if (following && opusPacketMayCarryFec(decision.payload))
        ++stats_.concealedFec;
    else
        ++stats_.concealedPlc;
    if (advance) {
        rememberPassed(true);
        ++stats_.lost;
        ++nextSequence_;
        nextTimestamp_ += static_cast<std::uint32_t>(frameSamples_);
    }
    return decision;
}

PlayoutDecision JitterBuffer::next(std::int64_t nowUs) {
    PlayoutDecision silence;
    silence.samples = frameSamples_;
    if (!started_) return silence;

    catchUpIfTooDeep(nowUs);
    if (!playing_) {
        if (!primeFromLowestQueued()) return silence;
        playing_ = true;
        stretchRun_ = 0;
        windowStartUs_ = nowUs;
        windowHasWait_ = false;
    }

    if (Slot* slot = find(nextSequence_)) {
        PlayoutDecision decision;
        decision.kind = PlayoutKind::Packet;
        decision.payload = {slot->data, slot->length};
        decision.timestamp = slot->timestamp;
        decision.samples = slot->samples;
        decision.restart = pendingRestart_ || slot->restart;
        pendingRestart_ = false;
        notePlayedWait(nowUs - slot->arrivalUs, nowUs);
        frameSamples_ = slot->samples;
        nextTimestamp_ = slot->timestamp + static_cast<std::uint32_t>(slot->samples);
        release(*slot);
        rememberPassed(false);
        ++nextSequence_;
        stretchRun_ = 0;
        return decision;
    }

    if (queued_ > 0) return concealCurrent(/*advance=*/true);  // a gap: later packets are here

    // Nothing queued at all.
    if (nowUs - lastArrivalUs_ > settings_.idleResetUs) {
        playing_ = false;  // the sender stopped or the line is down: go quiet, re-prime later
        return silence;
    }
    ++stats_.underruns;
    // Hold on to the grown delay for a while before the next shrink.
    windowStartUs_ = nowUs + kUnderrunHoldUs - settings_.adaptWindowUs;
    windowHasWait_ = false;
    if (stretchRun_ < settings_.maxStretchFrames) {
        ++stretchRun_;  // wait for this packet one frame longer: the delay grows by a frame
        return concealCurrent(/*advance=*/false);
    }
    return concealCurrent(/*advance=*/true);  // waited long enough: count it lost
}

}  // namespace samspil
