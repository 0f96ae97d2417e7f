// The browser's jitter buffer: the same rules as shared/core's JitterBuffer and
// DelayEstimator (docs/architecture.md, "The jitter buffer", is the one description of
// them). Pure: packets and the time are passed in, decisions come out; no audio, no clock.
// One per remote stream, on the thread that decodes (the page's main thread).

const US_PER_SAMPLE = 1e6 / 48000;
const HISTORY = 64;
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
    this.buckets = new Map();  // second → largest delay that second
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
      this.buckets.set(second, Math.max(this.buckets.get(second) ?? 0, delay));
      for (const key of this.buckets.keys()) if (key <= second - this.peakMemorySeconds) this.buckets.delete(key);
    }
    return delay;
  }
  /** The second-largest per-second delay peak of the remembered seconds (one stray stall is ignored). */
  peakDelayUs(nowUs) {
    const nowSecond = Math.floor(nowUs / 1e6);
    let largest = 0;
    let second = 0;
    for (const [s, peak] of this.buckets) {
      if (s <= nowSecond - this.peakMemorySeconds || s > nowSecond) continue;
      if (peak > largest) {
        second = largest;
        largest = peak;
      } else if (peak > second) {
        second = peak;
      }
    }
    return second;
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
    this.slots = new Map();  // sequence → packet
    this.started = false;
    this.playing = false;
    this.stats = { received: 0, duplicates: 0, late: 0, lost: 0, concealed: 0, underruns: 0, grownFrames: 0,
      droppedToCatchUp: 0, resets: 0, stale: 0, depthPackets: 0, maxDepthPackets: 0, meanBufferDelayMs: 0, jitterMs: 0,
      targetDelayMs: 0 };
    this.waitSumMs = 0;
    this.waitCount = 0;
    this.jitterUs = 0;
    this.lastTransitUs = undefined;
    this.lastArrivalUs = 0;
    this.arrivalGapsUs = [];  // when the last three pauses in arrivals ended
    this.passedPlayed = new Set();  // recently played sequences, to tell duplicates from late packets
  }

  #resetTo(sequence, timestamp) {
    this.slots.clear();
    this.started = true;
    this.playing = false;
    this.nextSequence = sequence >>> 0;
    this.nextTimestamp = timestamp >>> 0;
    this.timestampBase = timestamp >>> 0;
    this.stretchCredit = 0;
    this.emptyConcealedUs = 0;
    this.windowStartUs = 0;
    this.minDelayInWindowUs = undefined;
    this.estimator.reset();
    this.lastTransitUs = undefined;
    this.staleRule.reset();
    this.firstSequence = sequence >>> 0;
    this.highestSequence = sequence >>> 0;
    this.uniqueArrivals = 0;
    this.lostBeforeReset = this.stats.lost;
    this.passedPlayed.clear();
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
      if (this.passedPlayed.has(sequence)) this.stats.duplicates++;
      else {
        this.stats.late++;
        this.passedPlayed.add(sequence);  // a second copy counts as a duplicate
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
    if (this.slots.has(sequence)) {
      this.stats.duplicates++;
      return;
    }
    this.slots.set(sequence, { ...packet, samples: packet.samples || this.frameSamples, arrivalUs });
    this.stats.received++;
    this.stats.depthPackets = this.slots.size;
    this.stats.maxDepthPackets = Math.max(this.stats.maxDepthPackets, this.slots.size);
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
    this.slots.delete(sequence);
    this.stats.depthPackets = this.slots.size;
  }

  #passed(sequence) {
    this.passedPlayed.add(sequence);
    if (this.passedPlayed.size > HISTORY) this.passedPlayed.delete(this.passedPlayed.values().next().value);
  }

  #advance() {
    this.nextSequence = (this.nextSequence + 1) >>> 0;
  }

  #play(slot, nowUs) {
    this.playedSincePrime = true;
    this.emptyConcealedUs = 0;
    const waitMs = (nowUs - slot.arrivalUs) / 1000;
    this.waitSumMs += waitMs;
    this.stats.meanBufferDelayMs = this.waitSumMs / ++this.waitCount;
    this.frameSamples = slot.samples;
    this.nextTimestamp = (slot.timestamp + slot.samples) >>> 0;
    this.#release(slot.sequence);
    this.#passed(slot.sequence);
    this.#advance();
    const restart = this.pendingRestart || slot.streamStart;
    this.pendingRestart = false;
    return { kind: 'packet', payload: slot.payload, timestamp: slot.timestamp, samples: slot.samples, restart };
  }

  #conceal(advance) {
    const decision = { kind: 'conceal', timestamp: this.nextTimestamp, samples: this.frameSamples };
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

  #noteAdjusted(nowUs) {
    this.windowStartUs = nowUs;
    this.minDelayInWindowUs = undefined;
  }

  // Starts at the lowest queued packet, then skips a backlog that sat in the queue before
  // playout began (its successor waited longer than a frame plus the target).
  #prime(nowUs) {
    if (this.slots.size === 0) return false;
    let lowest;
    for (const sequence of this.slots.keys())
      if (lowest === undefined || sequenceDiff(sequence, lowest) < 0) lowest = sequence;
    this.nextSequence = lowest;
    this.nextTimestamp = this.slots.get(lowest).timestamp;
    const targetUs = this.estimator.peakDelayUs(nowUs) + this.safetyMarginUs;
    for (;;) {
      const following = this.slots.get((this.nextSequence + 1) >>> 0);
      if (!following || nowUs - following.arrivalUs <= samplesToUs(following.samples) + targetUs) break;
      this.nextTimestamp = following.timestamp;
      this.#release(this.nextSequence);
      this.#advance();
      this.stats.droppedToCatchUp++;
    }
    return true;
  }

  // Passes over queued packets while the one after would still be taken later than landUs
  // after its earliest possible arrival: playout lands there, as if freshly primed.
  #skipStaleBacklog(nowUs, landUs) {
    for (;;) {
      const current = this.slots.get(this.nextSequence);
      const following = this.slots.get((this.nextSequence + 1) >>> 0);
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

  /** One frame's decision at nowUs (local µs): {kind: 'packet'|'conceal'|'silence', ...}. */
  next(nowUs) {
    const silence = { kind: 'silence', samples: this.frameSamples };
    if (!this.started) return silence;
    if (!this.playing) {
      if (!this.#prime(nowUs)) return silence;
      this.playing = true;
      this.primedAtUs = nowUs;
      this.playedSincePrime = false;
      this.stretchCredit = 0;
      this.#noteAdjusted(nowUs);
    }
    // Frames were concealed while waiting; later packets are here but this one is not: it is lost.
    while (this.stretchCredit > 0 && this.slots.size > 0 && !this.slots.has(this.nextSequence)) {
      this.#skipAsConcealed(1);
      this.stretchCredit--;
    }
    const targetUs = this.estimator.peakDelayUs(nowUs) + this.safetyMarginUs;
    this.stats.targetDelayMs = targetUs / 1000;
    const slot = this.slots.get(this.nextSequence);
    if (slot) {
      if (this.stretchCredit > 0) this.#noteAdjusted(nowUs);
      this.stretchCredit = 0;
      const delayUs = nowUs - (this.#mediaUs(slot.timestamp) + this.estimator.baselineUs);
      const frameUs = Math.max(1, samplesToUs(slot.samples));
      if (delayUs < targetUs) {  // recent packets came later than this one would be taken: wait a frame
        this.stats.grownFrames++;
        this.#noteAdjusted(nowUs);
        if (!this.playedSincePrime) return silence;
        return this.#conceal(false);
      }
      if (this.minDelayInWindowUs === undefined || delayUs < this.minDelayInWindowUs) this.minDelayInWindowUs = delayUs;
      const windowUs = nowUs - this.windowStartUs;
      let spare = false;
      if (windowUs >= 50_000 && this.minDelayInWindowUs >= targetUs + 4 * frameUs) spare = true;
      else if (windowUs >= this.shrinkIntervalUs) {
        spare = this.minDelayInWindowUs >= targetUs + frameUs + frameUs / 4;
        this.#noteAdjusted(nowUs);
      }
      const queuedUs = nowUs - slot.arrivalUs;
      const staleBacklog = (nowUs - this.primedAtUs <= STALE_BACKLOG_AFTER_PRIME_US
          && this.minDelayInWindowUs >= targetUs + STALE_BACKLOG_US && queuedUs >= targetUs + STALE_BACKLOG_US
          && (this.arrivalGapsUs.length < 3 || nowUs - this.arrivalGapsUs[0] > RARE_PAUSES_SPAN_US))
        || (this.minDelayInWindowUs >= targetUs + STALE_ANYWAY_US && queuedUs >= STALE_ANYWAY_US);
      if (spare && staleBacklog) {
        this.#skipStaleBacklog(nowUs, targetUs);
        this.#noteAdjusted(nowUs);
        const fresh = this.slots.get(this.nextSequence);
        if (fresh) return this.#play(fresh, nowUs);
      } else if (spare) {
        const after = this.slots.get((this.nextSequence + 1) >>> 0);
        if (after) {
          this.#release(slot.sequence);
          this.#passed(slot.sequence);
          this.#advance();
          this.stats.droppedToCatchUp++;
          this.#noteAdjusted(nowUs);
          return this.#play(after, nowUs);
        }
      }
      return this.#play(slot, nowUs);
    }
    if (this.slots.size > 0) return this.#conceal(true);  // a gap: later packets are here
    if (nowUs - this.lastArrivalUs > this.idleResetUs || this.emptyConcealedUs >= this.maxConcealUs) {
      this.playing = false;  // the sender stopped or the line is down: go quiet, re-prime later
      this.stretchCredit = 0;
      this.emptyConcealedUs = 0;
      return silence;
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
