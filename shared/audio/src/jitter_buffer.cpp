#include "samspil/audio/jitter_buffer.h"

#include "samspil/audio/opus_codec.h"

#include <algorithm>
#include <cstring>

namespace samspil {
namespace {

constexpr int kHistoryBits = 64;
constexpr int kFastCatchUpFrames = 4;              // this far over target for a short window,
constexpr std::int64_t kFastCatchUpWindowUs = 50'000;  // give frames back without the long wait
// Soon after playout (re)started, packets further over the target than any jitter the
// estimator learns (its maxUsefulDelayUs) for a 50 ms window, having sat in the queue that
// long: the backlog of a stall or an outage, which TCP delivers in one burst when the line
// comes back (the buffer had run dry and gone quiet meanwhile). It is skipped in one step,
// down to a frame above the target, rather than a frame per window (which takes seconds
// for a second of backlog: stale audio all along). Later, the same picture is a sender's
// large audio blocks, which only the frame-per-window rule may trim.
constexpr std::int64_t kStaleBacklogUs = 40'000;
constexpr std::int64_t kStaleBacklogAfterPrimeUs = 250'000;
// …unless pauses in arrival are the stream's nature (a sender with large audio blocks
// pauses every block): then at most two such pauses in this span.
constexpr std::int64_t kRarePausesSpanUs = 5'000'000;
// Whatever the stream's nature, packets that sat this long in the queue and are taken this
// much later than the target are stale: more than the largest audio block (16384 frames,
// 341 ms) explains.
constexpr std::int64_t kStaleAnywayUs = 400'000;

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
    : settings_(settings), slots_(roundUpPowerOfTwo(settings.capacity)), estimator_(settings.estimator) {
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

void JitterBuffer::resetTo(std::uint32_t sequence, std::uint32_t timestamp) {
    for (Slot& slot : slots_) slot.used = false;
    queued_ = 0;
    stats_.depthPackets = 0;
    started_ = true;
    playing_ = false;
    nextSequence_ = sequence;
    nextTimestamp_ = timestamp;
    timestampBase_ = timestamp;
    stretchCredit_ = 0;
    pendingRestart_ = true;
    passedKnown_ = 0;
    haveTransit_ = false;
    staleRule_.reset();
    lostBeforeReset_ = stats_.lost;
    haveExtended_ = false;
    estimator_.reset();
}

void JitterBuffer::clear() {
    resetTo(0, 0);
    started_ = false;
}

std::int64_t JitterBuffer::mediaMicros(std::uint32_t timestamp) const {
    // Media time since the stream's first packet. (Streams longer than 24 h would wrap.)
    return samplesToMicros(std::int64_t{static_cast<std::uint32_t>(timestamp - timestampBase_)});
}

// Held up by a stall, see StalePacketRule. Packets from before this stream's start are left
// to the other rules.
bool JitterBuffer::isStale(std::uint32_t timestamp, std::int64_t arrivalUs) {
    const auto sinceBase = static_cast<std::int32_t>(timestamp - timestampBase_);
    if (sinceBase < 0) return false;
    return staleRule_.isStale(arrivalUs - samplesToMicros(sinceBase), arrivalUs);
}

void JitterBuffer::noteUniqueArrival(std::uint32_t sequence) {
    // Extend the 32-bit sequence to 64 bits around the highest seen, so wraps count right.
    if (!haveExtended_) {
        firstExtended_ = highestExtended_ = sequence;
        uniqueArrivals_ = 0;
        haveExtended_ = true;
    }
    const std::int64_t extended = highestExtended_ + sequenceDiff(sequence, static_cast<std::uint32_t>(highestExtended_));
    highestExtended_ = std::max(highestExtended_, extended);
    if (extended < firstExtended_) return;  // from before this stream's first packet: not expected
    ++uniqueArrivals_;
    const std::int64_t expected = highestExtended_ - firstExtended_ + 1;
    const std::int64_t missing = expected - static_cast<std::int64_t>(uniqueArrivals_);
    stats_.lost = lostBeforeReset_ + static_cast<std::uint64_t>(std::max<std::int64_t>(0, missing));
}

void JitterBuffer::insert(const protocol::MediaHeader& header, std::span<const std::uint8_t> payload,
                          std::int64_t arrivalUs) {
    if (payload.empty() || payload.size() > protocol::kMaxOpusPayloadBytes) return;
    const std::uint32_t sequence = header.sequence;

    if (!started_) {
        resetTo(sequence, header.timestamp);
    } else if (header.streamStart()) {
        // The sender restarted its stream. Only a packet outside the current window is a
        // new start; inside it, it is a duplicate or reordered copy of the old start packet.
        const std::int32_t diff = sequenceDiff(sequence, nextSequence_);
        if (diff < -kHistoryBits || diff >= static_cast<std::int32_t>(slots_.size())) {
            ++stats_.resets;
            resetTo(sequence, header.timestamp);
        }
    }

    if (isStale(header.timestamp, arrivalUs)) {
        ++stats_.stale;
        return;
    }
    const std::int32_t diff = sequenceDiff(sequence, nextSequence_);
    if (diff < 0) {
        const int age = -diff;  // 1 = the packet just passed
        const std::uint64_t bit = age <= kHistoryBits ? (std::uint64_t{1} << (age - 1)) : 0;
        if (bit && (passedKnown_ & bit) && !(passedHistory_ & bit)) {
            ++stats_.duplicates;  // it was played already
        } else {
            ++stats_.late;  // its turn passed without it: it was concealed
            if (bit) passedHistory_ &= ~bit;  // a second copy will count as a duplicate
            noteUniqueArrival(sequence);
            noteArrival(header, arrivalUs);  // late packets are the delay peaks to learn from
        }
        return;
    }
    if (diff >= static_cast<std::int32_t>(slots_.size())) {
        // Far ahead of playout: the stream jumped (long outage, sender restart). Start over.
        ++stats_.resets;
        resetTo(sequence, header.timestamp);
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
    noteUniqueArrival(sequence);
    noteArrival(header, arrivalUs);
}

void JitterBuffer::noteArrival(const protocol::MediaHeader& header, std::int64_t arrivalUs) {
    const std::int64_t mediaUs = mediaMicros(header.timestamp);
    estimator_.addPacket(arrivalUs, mediaUs);
    // RFC 3550 §6.4.1: J += (|D| - J) / 16, D the change in transit time between arrivals.
    const std::int64_t transitUs = arrivalUs - mediaUs;
    if (haveTransit_) {
        const std::int64_t d = transitUs - lastTransitUs_;
        jitterUs_ += (static_cast<double>(d < 0 ? -d : d) - jitterUs_) / 16.0;
        stats_.jitterMs = jitterUs_ / 1000.0;
    }
    haveTransit_ = true;
    lastTransitUs_ = transitUs;
    if (lastArrivalUs_ != 0 && arrivalUs - lastArrivalUs_ > kStaleBacklogUs)
        arrivalGapsUs_[arrivalGapCount_++ % arrivalGapsUs_.size()] = arrivalUs;
    lastArrivalUs_ = std::max(lastArrivalUs_, arrivalUs);
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

// A backlog that piled up before playout began — packets that arrived one by one and then
// sat in the queue because the audio side started late — is not played through: playout
// starts at the newest packet whose successor has not been waiting longer than a frame
// plus the target, so it begins at the delay the line needs. Packets that arrived together
// just now (a large audio block, a burst) are not a backlog and are all played. What is
// passed over counts as dropped to catch up.
void JitterBuffer::skipBacklogAtPrime(std::int64_t nowUs) {
    const std::int64_t targetUs = estimator_.peakDelayUs(nowUs) + settings_.safetyMarginUs;
    while (Slot* current = find(nextSequence_)) {
        const Slot* following = find(nextSequence_ + 1);
        if (!following) break;
        const std::int64_t waitedUs = nowUs - following->arrivalUs;
        if (waitedUs <= samplesToMicros(following->samples) + targetUs) break;  // fresh enough: start here
        nextTimestamp_ = following->timestamp;
        release(*current);
        ++nextSequence_;
        ++stats_.droppedToCatchUp;
    }
}

// Passes over queued packets, in order, while the one after would still be taken later
// than `landUs` after its earliest possible arrival: playout lands there, as if freshly primed.
void JitterBuffer::skipStaleBacklog(std::int64_t nowUs, std::int64_t landUs) {
    while (Slot* current = find(nextSequence_)) {
        const Slot* following = find(nextSequence_ + 1);
        if (!following) break;
        const std::int64_t followingDelayUs = nowUs - (mediaMicros(following->timestamp) + estimator_.baselineUs());
        if (followingDelayUs < landUs + samplesToMicros(following->samples)) break;
        nextTimestamp_ = following->timestamp;
        release(*current);
        rememberPassed(false);
        ++nextSequence_;
        ++stats_.droppedToCatchUp;
    }
}

bool JitterBuffer::pausesAreRare(std::int64_t nowUs) const {
    if (arrivalGapCount_ < arrivalGapsUs_.size()) return true;
    const std::int64_t oldest = *std::min_element(arrivalGapsUs_.begin(), arrivalGapsUs_.end());
    return nowUs - oldest > kRarePausesSpanUs;
}

void JitterBuffer::rememberPassed(bool concealed) {
    passedHistory_ = (passedHistory_ << 1) | (concealed ? 1u : 0u);
    passedKnown_ = (passedKnown_ << 1) | 1u;
}

void JitterBuffer::skipAsConcealed(int count) {
    for (int i = 0; i < count; ++i) {
        if (Slot* slot = find(nextSequence_)) release(*slot);
        rememberPassed(true);
        ++nextSequence_;
        nextTimestamp_ += static_cast<std::uint32_t>(frameSamples_);
    }
}

void JitterBuffer::notePlayedWait(std::int64_t waitUs) {
    const double waitMs = static_cast<double>(waitUs) / 1000.0;
    stats_.bufferDelayMs += (waitMs - stats_.bufferDelayMs) / 32.0;
    waitSumMs_ += waitMs;
    ++waitCount_;
    stats_.meanBufferDelayMs = waitSumMs_ / static_cast<double>(waitCount_);
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
    if (advance) skipAsConcealed(1);
    return decision;
}

void JitterBuffer::noteAdjusted(std::int64_t nowUs) {
    windowStartUs_ = nowUs;  // measure the new delay afresh
    haveMinDelay_ = false;
}

PlayoutDecision JitterBuffer::play(Slot& slot, std::int64_t nowUs) {
    PlayoutDecision decision;
    decision.kind = PlayoutKind::Packet;
    decision.payload = {slot.data, slot.length};
    decision.timestamp = slot.timestamp;
    decision.samples = slot.samples;
    decision.restart = pendingRestart_ || slot.restart;
    pendingRestart_ = false;
    playedSincePrime_ = true;
    emptyConcealedUs_ = 0;
    notePlayedWait(nowUs - slot.arrivalUs);
    frameSamples_ = slot.samples;
    nextTimestamp_ = slot.timestamp + static_cast<std::uint32_t>(slot.samples);
    release(slot);
    rememberPassed(false);
    ++nextSequence_;
    return decision;
}

PlayoutDecision JitterBuffer::next(std::int64_t nowUs) {
    PlayoutDecision silence;
    silence.samples = frameSamples_;
    if (!started_) return silence;

    if (!playing_) {
        if (!primeFromLowestQueued()) return silence;
        skipBacklogAtPrime(nowUs);
        playing_ = true;
        primedAtUs_ = nowUs;
        playedSincePrime_ = false;
        stretchCredit_ = 0;
        noteAdjusted(nowUs);
    }

    // We concealed frames while waiting for nextSequence_. If later packets are here but it
    // is not, it is lost and its turn is already covered: skip it rather than conceal twice
    // (the common case of one lost packet on a tight buffer; no delay is added).
    while (stretchCredit_ > 0 && queued_ > 0 && !find(nextSequence_)) {
        skipAsConcealed(1);
        --stretchCredit_;
    }

    const std::int64_t targetUs = estimator_.peakDelayUs(nowUs) + settings_.safetyMarginUs;
    stats_.targetDelayMs = static_cast<double>(targetUs) / 1000.0;

    if (Slot* slot = find(nextSequence_)) {
        if (stretchCredit_ > 0) noteAdjusted(nowUs);  // we waited for it: the delay grew
        stretchCredit_ = 0;
        // How long after its earliest possible arrival this packet is being taken.
        const std::int64_t delayUs = nowUs - (mediaMicros(slot->timestamp) + estimator_.baselineUs());
        const std::int64_t frameUs = std::max<std::int64_t>(1, samplesToMicros(slot->samples));
        if (delayUs < targetUs) {
            // Recent packets came later than this one would be taken: wait one frame more.
            ++stats_.grownFrames;
            noteAdjusted(nowUs);
            if (!playedSincePrime_) return silence;  // still starting: silence, not concealment
            return concealCurrent(/*advance=*/false);
        }
        if (!haveMinDelay_ || delayUs < minDelayInWindowUs_) minDelayInWindowUs_ = delayUs;
        haveMinDelay_ = true;
        // Give a frame back when even the tightest packet of a whole window had a frame to
        // spare (at once when far over, e.g. after a stall).
        bool spare = false;
        const std::int64_t windowUs = nowUs - windowStartUs_;
        if (windowUs >= kFastCatchUpWindowUs && minDelayInWindowUs_ >= targetUs + kFastCatchUpFrames * frameUs) {
            spare = true;  // far over (after a stall, say): give frames back quickly
        } else if (windowUs >= settings_.shrinkIntervalUs) {
            spare = minDelayInWindowUs_ >= targetUs + frameUs + frameUs / 4;
            windowStartUs_ = nowUs;
            haveMinDelay_ = false;
        }
        const std::int64_t queuedUs = nowUs - slot->arrivalUs;
        const bool staleBacklog =
            (nowUs - primedAtUs_ <= kStaleBacklogAfterPrimeUs && minDelayInWindowUs_ >= targetUs + kStaleBacklogUs &&
             queuedUs >= targetUs + kStaleBacklogUs && pausesAreRare(nowUs)) ||
            (minDelayInWindowUs_ >= targetUs + kStaleAnywayUs && queuedUs >= kStaleAnywayUs);
        if (spare && staleBacklog) {
            skipStaleBacklog(nowUs, targetUs);
            noteAdjusted(nowUs);
            if (Slot* fresh = find(nextSequence_)) return play(*fresh, nowUs);
        } else if (spare) {
            if (Slot* after = find(nextSequence_ + 1)) {
                nextTimestamp_ = slot->timestamp + static_cast<std::uint32_t>(slot->samples);
                release(*slot);
                rememberPassed(false);
                ++nextSequence_;
                ++stats_.droppedToCatchUp;
                noteAdjusted(nowUs);
                return play(*after, nowUs);
            }
        }
        return play(*slot, nowUs);
    }

    if (queued_ > 0) return concealCurrent(/*advance=*/true);  // a gap: later packets are here

    // Nothing queued at all.
    if (nowUs - lastArrivalUs_ > settings_.idleResetUs || emptyConcealedUs_ >= settings_.maxConcealUs) {
        playing_ = false;  // the sender stopped or the line is down: go quiet, re-prime later
        stretchCredit_ = 0;
        emptyConcealedUs_ = 0;
        return silence;
    }
    ++stats_.underruns;
    emptyConcealedUs_ += samplesToMicros(frameSamples_);
    if (stretchCredit_ < settings_.maxStretchFrames) {
        ++stretchCredit_;  // conceal and keep waiting for this packet
        return concealCurrent(/*advance=*/false);
    }
    // Waited long enough: the frames already concealed covered the missing packets' turns.
    skipAsConcealed(stretchCredit_);
    stretchCredit_ = 0;
    return concealCurrent(/*advance=*/true);
}

}  // namespace samspil
