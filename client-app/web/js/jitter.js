// The browser's jitter buffer: the same rules as shared/audio's JitterBuffer and
// DelayEstimator (docs/architecture.md, "The jitter buffer", is the one description of
// them). Pure: packets and the time are passed in, decisions come out; no audio, no clock.
// One per remote stream, in the page's audio callback (the worklet): insert() runs when a
// message arrives (it may allocate), next() on the rendering thread and never allocates —
// fixed rings instead of maps and sets, and one decision object, reused (read it before
// the next call).

const US_PER_SAMPLE = 1e6 / 48000;
const HISTORY = 64;
const RING = 256;  // queued packets at most (a sequence that far ahead starts the stream over)
// Soon after playout (re)started, packets further over the target than any jitter the
// estimator learns, for a 50 ms window, having sat in the queue that long: the backlog of a
// stall or an outage, skipped in one step (docs/architecture.md).
const STALE_BACKLOG_US = 40_000;
const STALE_BACKLOG_AFTER_PRIME_US = 250_000;
// …unless pauses in arrival are the stream's nature (a sender's large blocks): at most two in 5 s.
const RARE_PAUSES_SPAN_US = 5_000_000;
// Whatever the stream's nature, more than the largest audio block (341 ms) explains: stale.
const STALE_ANYWAY_US = 400_000;

// The stale rule's floor is kept per second; a run of stale packets is looked at after a
// second: a backlog draining at even 1.25× real time has got 250 ms younger by then.
const FLOOR_BUCKET_US = 1_000_000;
const RUN_CHECK_US = 1_000_000;
const DRAINING_US = 250_000;
const samplesToUs = (samples) => Math.floor(samples * US_PER_SAMPLE);
// Sequence difference a − b as a signed 32-bit number (sequences wrap at 2^32).
const sequenceDiff = (a, b) => ((a - b) | 0);

/** Baseline (least transit over 2 s) and peak delay (second-largest per-second peak over 12 s). */
export class DelayEstimator {
  constructor({ baselineWindowUs = 2_000_000, peakMemorySeconds = 12, maxUsefulDelayUs = 40_000 } = {}) {
    Object.assign(this, { baselineWindowUs, peakMemorySeconds, maxUsefulDelayUs });
    this.reset();
  }
  reset() {
    this.window = [];  // {arrivalUs, transitUs}, increasing transit: a monotonic queue
    this.baselineUs = 0;
    this.peakUs = 0.5;  // a double from the start: stored in place
    this.peakUs = 0;
    // The largest delay of each of the last peakMemorySeconds seconds, by second mod that.
    this.bucketSecond = new Float64Array(this.peakMemorySeconds).fill(-Infinity);
    this.bucketPeak = new Float64Array(this.peakMemorySeconds);
  }
  /** Records one packet; returns its delay above the baseline (µs). */
  addPacket(arrivalUs, mediaUs) {
    const transit = arrivalUs - mediaUs;
    while (this.window.length && this.window[0].arrivalUs < arrivalUs - this.baselineWindowUs) this.window.shift();
    while (this.window.length && this.window[this.window.length - 1].transitUs >= transit) this.window.pop();
    this.window.push({ arrivalUs, transitUs: transit });
    this.baselineUs = this.window[0].transitUs;
    const delay = transit - this.baselineUs;
    if (delay <= this.maxUsefulDelayUs) {
      const second = Math.floor(arrivalUs / 1e6);
      const at = ((second % this.peakMemorySeconds) + this.peakMemorySeconds) % this.peakMemorySeconds;
      if (this.bucketSecond[at] !== second) {
        this.bucketSecond[at] = second;
        this.bucketPeak[at] = 0;
      }
      if (delay > this.bucketPeak[at]) this.bucketPeak[at] = delay;
    }
    return delay;
  }
  /** The second-largest per-second delay peak of the remembered seconds (one stray stall is ignored). */
  peakDelayUs(nowUs) {
    this.updatePeak(Math.floor(nowUs / 1e6));
    return this.peakUs;
  }
  /** The same into `peakUs`, for the audio thread (a number crossing a call is boxed: allocated). */
  updatePeak(nowSecond) {
    let largest = 0;
    let second = 0;
    for (let i = 0; i < this.peakMemorySeconds; i++) {
      const s = this.bucketSecond[i];
      if (s <= nowSecond - this.peakMemorySeconds || s > nowSecond) continue;
      const peak = this.bucketPeak[i];
      if (peak > largest) {
        second = largest;
        largest = peak;
      } else if (peak > second) {
        second = peak;
      }
    }
    this.peakUs = second;
  }
}

// As shared/core's StalePacketRule (docs/architecture.md): a packet whose transit is over
// staleAfterUs above the least of the last 1–2 s is a stall's backlog, dropped unplayed; late
// packets that stop getting younger for a second are the stream's new pace instead (a longer
// route, a sender's clock slower than ours), and the rule starts again from them.
export class StalePacketRule {
  constructor(staleAfterUs) {
    this.staleAfterUs = staleAfterUs;
    this.reset();
  }

  reset() {
    this.floorUs = undefined;  // [previous second, current second]: the least transit let in
    this.runSinceUs = undefined;  // the current run of stale packets (or its last second): since when
    this.runTransitUs = 0;
  }

  isStale(transitUs, arrivalUs) {
    if (this.floorUs !== undefined && transitUs - Math.min(...this.floorUs) > this.staleAfterUs) {
      if (this.runSinceUs === undefined) {
        this.runSinceUs = arrivalUs;
        this.runTransitUs = transitUs;
        return true;
      }
      if (arrivalUs - this.runSinceUs < RUN_CHECK_US) return true;
      if (this.runTransitUs - transitUs >= DRAINING_US) {  // still draining: look again in a second
        this.runSinceUs = arrivalUs;
        this.runTransitUs = transitUs;
        return true;
      }
      this.floorUs = undefined;  // the stream's new pace: start again from this packet
    }
    this.runSinceUs = undefined;
    if (this.floorUs === undefined) {
      this.floorUs = [transitUs, transitUs];
      this.floorSinceUs = arrivalUs;
    } else if (arrivalUs - this.floorSinceUs >= FLOOR_BUCKET_US) {
      this.floorUs = [this.floorUs[1], transitUs];
      this.floorSinceUs = arrivalUs;
    } else {
      this.floorUs[1] = Math.min(this.floorUs[1], transitUs);
    }
    return false;
  }
}

export class JitterBuffer {
  constructor({ safetyMarginUs = 500, shrinkIntervalUs = 500_000, maxStretchFrames = 3, idleResetUs = 300_000,
    maxConcealUs = 40_000, staleAfterUs = 600_000, frameSamples = 240 } = {}) {
    Object.assign(this, { safetyMarginUs, shrinkIntervalUs, maxStretchFrames, idleResetUs, maxConcealUs, staleAfterUs });
    this.frameSamples = frameSamples;
    this.estimator = new DelayEstimator();
    this.staleRule = new StalePacketRule(staleAfterUs);
    this.ring = new Array(RING).fill(null);  // queued packets by sequence mod RING (all within RING of the next)
    this.arrivals = new Float64Array(RING);   // and when each arrived (a double in an object's field would be copied out)
    this.queued = 0;
    this.decision = { kind: 'silence', payload: null, timestamp: 0, samples: 0, restart: false };  // next()'s answer, reused
    this.started = false;
    this.playing = false;
    this.stats = { received: 0, duplicates: 0, late: 0, lost: 0, concealed: 0, underruns: 0, grownFrames: 0,
      droppedToCatchUp: 0, resets: 0, stale: 0, depthPackets: 0, maxDepthPackets: 0, meanBufferDelayMs: 0, jitterMs: 0,
      targetDelayMs: 0 };
    this.waitSumMs = 0;
    this.waitCount = 0;
    this.nowUs = 0.5;  // doubles from the start (stored in place, never re-boxed)
    this.nowUs = 0;
    this.targetUs = 0.5;
    this.targetUs = 0;
    this.jitterUs = 0;
    this.lastTransitUs = undefined;
    this.lastArrivalUs = 0;
    this.arrivalGapsUs = [];  // when the last three pauses in arrivals ended
    this.passedPlayed = new Uint32Array(HISTORY);  // recently played sequences (a ring), to tell duplicates from late packets
    this.passedCount = 0;
    this.passedNext = 0;
  }

  #slot(sequence) {
    const entry = this.ring[sequence & (RING - 1)];
    return entry !== null && entry.sequence === (sequence >>> 0) ? entry : null;
  }

  #put(entry, arrivalUs) {
    const at = entry.sequence & (RING - 1);
    if (this.ring[at] === null) this.queued++;
    this.ring[at] = entry;
    this.arrivals[at] = arrivalUs;
  }

  #arrivalOf(entry) {
    return this.arrivals[entry.sequence & (RING - 1)];
  }

  #wasPassed(sequence) {
    for (let i = 0; i < this.passedCount; i++) if (this.passedPlayed[i] === (sequence >>> 0)) return true;
    return false;
  }

  #decide(kind, payload, timestamp, samples, restart) {
    const d = this.decision;
    d.kind = kind;
    d.payload = payload;
    d.timestamp = timestamp;
    d.samples = samples;
    d.restart = restart;
    return d;
  }

  #resetTo(sequence, timestamp) {
    this.ring.fill(null);
    this.queued = 0;
    this.started = true;
    this.playing = false;
    this.nextSequence = sequence >>> 0;
    this.nextTimestamp = timestamp >>> 0;
    this.timestampBase = timestamp >>> 0;
    this.stretchCredit = 0;
    this.emptyConcealedUs = 0;
    this.windowStartUs = 0;
    this.minDelayInWindowUs = Infinity;  // a number, never undefined: stored in place, no allocation
    this.estimator.reset();
    this.lastTransitUs = undefined;
    this.staleRule.reset();
    this.firstSequence = sequence >>> 0;
    this.highestSequence = sequence >>> 0;
    this.uniqueArrivals = 0;
    this.lostBeforeReset = this.stats.lost;
    this.passedCount = 0;
    this.passedNext = 0;
  }

  #mediaUs(timestamp) {
    return samplesToUs((timestamp - this.timestampBase) >>> 0);
  }

  // Held up by a stall, see StalePacketRule. Packets from before this stream's start are
  // left to the other rules.
  #isStale(timestamp, arrivalUs) {
    const sinceBase = (timestamp - this.timestampBase) | 0;
    if (sinceBase < 0) return false;
    return this.staleRule.isStale(arrivalUs - samplesToUs(sinceBase), arrivalUs);
  }

  /** A packet arrived: {sequence, timestamp, samples, payload, streamStart}, at arrivalUs (local µs). */
  insert(packet, arrivalUs) {
    const { sequence } = packet;
    if (!this.started) this.#resetTo(sequence, packet.timestamp);
    else if (packet.streamStart) {
      const diff = sequenceDiff(sequence, this.nextSequence);
      if (diff < -HISTORY || diff >= 256) {
        this.stats.resets++;
        this.#resetTo(sequence, packet.timestamp);
      }
    }
    if (this.#isStale(packet.timestamp, arrivalUs)) {
      this.stats.stale++;
      return;
    }
    let diff = sequenceDiff(sequence, this.nextSequence);
    if (diff < 0) {
      if (this.#wasPassed(sequence)) this.stats.duplicates++;
      else {
        this.stats.late++;
        this.#passed(sequence);  // a second copy counts as a duplicate
        this.#noteUnique(sequence);
        this.#noteArrival(packet.timestamp, arrivalUs);
      }
      return;
    }
    if (diff >= 256) {  // far ahead: the stream jumped; start over
      this.stats.resets++;
      this.#resetTo(sequence, packet.timestamp);
      diff = 0;
    }
    if (this.#slot(sequence)) {
      this.stats.duplicates++;
      return;
    }
    this.#put({ sequence: sequence >>> 0, timestamp: packet.timestamp, samples: packet.samples || this.frameSamples,
      payload: packet.payload, streamStart: packet.streamStart === true }, arrivalUs);
    this.stats.received++;
    this.stats.depthPackets = this.queued;
    this.stats.maxDepthPackets = Math.max(this.stats.maxDepthPackets, this.queued);
    this.#noteUnique(sequence);
    this.#noteArrival(packet.timestamp, arrivalUs);
  }

  #noteUnique(sequence) {
    if (sequenceDiff(sequence, this.highestSequence) > 0) this.highestSequence = sequence >>> 0;
    if (sequenceDiff(sequence, this.firstSequence) < 0) return;
    this.uniqueArrivals++;
    const expected = sequenceDiff(this.highestSequence, this.firstSequence) + 1;
    this.stats.lost = this.lostBeforeReset + Math.max(0, expected - this.uniqueArrivals);
  }

  #noteArrival(timestamp, arrivalUs) {
    const mediaUs = this.#mediaUs(timestamp);
    this.estimator.addPacket(arrivalUs, mediaUs);
    const transit = arrivalUs - mediaUs;
    if (this.lastTransitUs !== undefined) {
      this.jitterUs += (Math.abs(transit - this.lastTransitUs) - this.jitterUs) / 16;  // RFC 3550 §6.4.1
      this.stats.jitterMs = this.jitterUs / 1000;
    }
    this.lastTransitUs = transit;
    if (this.lastArrivalUs !== 0 && arrivalUs - this.lastArrivalUs > STALE_BACKLOG_US) this.arrivalGapsUs.push(arrivalUs);
    if (this.arrivalGapsUs.length > 3) this.arrivalGapsUs.shift();
    this.lastArrivalUs = Math.max(this.lastArrivalUs, arrivalUs);
  }

  #release(sequence) {
    const at = sequence & (RING - 1);
    if (this.#slot(sequence)) {
      this.ring[at] = null;
      this.queued--;
    }
    this.stats.depthPackets = this.queued;
  }

  #passed(sequence) {
    this.passedPlayed[this.passedNext] = sequence >>> 0;
    this.passedNext = (this.passedNext + 1) % HISTORY;
    if (this.passedCount < HISTORY) this.passedCount++;
  }

  #advance() {
    this.nextSequence = (this.nextSequence + 1) >>> 0;
  }

  #play(slot) {
    const nowUs = this.nowUs;
    this.playedSincePrime = true;
    this.emptyConcealedUs = 0;
    const waitMs = (nowUs - this.#arrivalOf(slot)) / 1000;
    this.waitSumMs += waitMs;
    this.stats.meanBufferDelayMs = this.waitSumMs / ++this.waitCount;
    this.frameSamples = slot.samples;
    this.nextTimestamp = (slot.timestamp + slot.samples) >>> 0;
    this.#release(slot.sequence);
    this.#passed(slot.sequence);
    this.#advance();
    const restart = this.pendingRestart || slot.streamStart;
    this.pendingRestart = false;
    return this.#decide('packet', slot.payload, slot.timestamp, slot.samples, restart);
  }

  #conceal(advance) {
    const decision = this.#decide('conceal', null, this.nextTimestamp, this.frameSamples, false);
    this.stats.concealed++;
    if (advance) this.#skipAsConcealed(1);
    return decision;
  }

  #skipAsConcealed(count) {
    for (let i = 0; i < count; i++) {
      this.#release(this.nextSequence);
      this.#advance();
      this.nextTimestamp = (this.nextTimestamp + this.frameSamples) >>> 0;
    }
  }

  #silence() {
    return this.#decide('silence', null, 0, this.frameSamples, false);
  }

  #noteAdjusted() {
    this.windowStartUs = this.nowUs;
    this.minDelayInWindowUs = Infinity;  // a number, never undefined: stored in place, no allocation
  }

  // Starts at the lowest queued packet, then skips a backlog that sat in the queue before
  // playout began (its successor waited longer than a frame plus the target).
  #prime() {
    const nowUs = this.nowUs;
    if (this.queued === 0) return false;
    let lowest;
    for (let i = 0; i < RING; i++) {
      const entry = this.ring[i];
      if (entry !== null && (lowest === undefined || sequenceDiff(entry.sequence, lowest.sequence) < 0)) lowest = entry;
    }
    this.nextSequence = lowest.sequence;
    this.nextTimestamp = lowest.timestamp;
    this.estimator.updatePeak(Math.floor(nowUs / 1e6));
    const targetUs = this.estimator.peakUs + this.safetyMarginUs;
    for (;;) {
      const following = this.#slot((this.nextSequence + 1) >>> 0);
      if (!following || nowUs - this.#arrivalOf(following) <= samplesToUs(following.samples) + targetUs) break;
      this.nextTimestamp = following.timestamp;
      this.#release(this.nextSequence);
      this.#advance();
      this.stats.droppedToCatchUp++;
    }
    return true;
  }

  // Passes over queued packets while the one after would still be taken later than the
  // target after its earliest possible arrival: playout lands there, as if freshly primed.
  #skipStaleBacklog() {
    const nowUs = this.nowUs;
    const landUs = this.targetUs;
    for (;;) {
      const current = this.#slot(this.nextSequence);
      const following = this.#slot((this.nextSequence + 1) >>> 0);
      if (!current || !following) break;
      const followingDelayUs = nowUs - (this.#mediaUs(following.timestamp) + this.estimator.baselineUs);
      if (followingDelayUs < landUs + samplesToUs(following.samples)) break;
      this.nextTimestamp = following.timestamp;
      this.#release(this.nextSequence);
      this.#passed(this.nextSequence);
      this.#advance();
      this.stats.droppedToCatchUp++;
    }
  }

  /** One frame's decision at nowUs (local µs): {kind: 'packet'|'conceal'|'silence', ...} (the same object each call). */
  next(nowUs) {
    this.nowUs = nowUs;
    return this.#decideNext();
  }

  /** The same at context frame `frame` (48 kHz): the audio thread's way, no number boxed. */
  nextAtFrame(frame) {
    this.nowUs = frame * US_PER_SAMPLE;
    return this.#decideNext();
  }

  // The time is this.nowUs: numbers passed between functions are boxed (allocated) by the
  // engine; fields hold them in place.
  #decideNext() {
    const nowUs = this.nowUs;
    if (!this.started) return this.#silence();
    if (!this.playing) {
      if (!this.#prime()) return this.#silence();
      this.playing = true;
      this.primedAtUs = nowUs;
      this.playedSincePrime = false;
      this.stretchCredit = 0;
      this.#noteAdjusted();
    }
    // Frames were concealed while waiting; later packets are here but this one is not: it is lost.
    while (this.stretchCredit > 0 && this.queued > 0 && !this.#slot(this.nextSequence)) {
      this.#skipAsConcealed(1);
      this.stretchCredit--;
    }
    this.estimator.updatePeak(Math.floor(nowUs / 1e6));
    const targetUs = this.estimator.peakUs + this.safetyMarginUs;
    this.targetUs = targetUs;
    this.stats.targetDelayMs = targetUs / 1000;
    const slot = this.#slot(this.nextSequence);
    if (slot) {
      if (this.stretchCredit > 0) this.#noteAdjusted();
      this.stretchCredit = 0;
      const delayUs = nowUs - (this.#mediaUs(slot.timestamp) + this.estimator.baselineUs);
      const frameUs = Math.max(1, samplesToUs(slot.samples));
      if (delayUs < targetUs) {  // recent packets came later than this one would be taken: wait a frame
        this.stats.grownFrames++;
        this.#noteAdjusted();
        if (!this.playedSincePrime) return this.#silence();
        return this.#conceal(false);
      }
      if (delayUs < this.minDelayInWindowUs) this.minDelayInWindowUs = delayUs;
      const windowUs = nowUs - this.windowStartUs;
      let spare = false;
      if (windowUs >= 50_000 && this.minDelayInWindowUs >= targetUs + 4 * frameUs) spare = true;
      else if (windowUs >= this.shrinkIntervalUs) {
        spare = this.minDelayInWindowUs >= targetUs + frameUs + frameUs / 4;
        this.windowStartUs = nowUs;  // as #noteAdjusted(), here in the hot path: a rarely run
        this.minDelayInWindowUs = Infinity;  // function handles numbers as allocated boxes
      }
      const queuedUs = nowUs - this.#arrivalOf(slot);
      const staleBacklog = (nowUs - this.primedAtUs <= STALE_BACKLOG_AFTER_PRIME_US
          && this.minDelayInWindowUs >= targetUs + STALE_BACKLOG_US && queuedUs >= targetUs + STALE_BACKLOG_US
          && (this.arrivalGapsUs.length < 3 || nowUs - this.arrivalGapsUs[0] > RARE_PAUSES_SPAN_US))
        || (this.minDelayInWindowUs >= targetUs + STALE_ANYWAY_US && queuedUs >= STALE_ANYWAY_US);
      if (spare && staleBacklog) {
        this.#skipStaleBacklog();
        this.#noteAdjusted();
        const fresh = this.#slot(this.nextSequence);
        if (fresh) return this.#play(fresh);
      } else if (spare) {
        const after = this.#slot((this.nextSequence + 1) >>> 0);
        if (after) {
          this.#release(slot.sequence);
          this.#passed(slot.sequence);
          this.#advance();
          this.stats.droppedToCatchUp++;
          this.#noteAdjusted();
          return this.#play(after);
        }
      }
      return this.#play(slot);
    }
    if (this.queued > 0) return this.#conceal(true);  // a gap: later packets are here
    if (nowUs - this.lastArrivalUs > this.idleResetUs || this.emptyConcealedUs >= this.maxConcealUs) {
      this.playing = false;  // the sender stopped or the line is down: go quiet, re-prime later
      this.stretchCredit = 0;
      this.emptyConcealedUs = 0;
      return this.#silence();
    }
    this.stats.underruns++;
    this.emptyConcealedUs += samplesToUs(this.frameSamples);
    if (this.stretchCredit < this.maxStretchFrames) {
      this.stretchCredit++;
      return this.#conceal(false);
    }
    this.#skipAsConcealed(this.stretchCredit);
    this.stretchCredit = 0;
    return this.#conceal(true);
  }
}
