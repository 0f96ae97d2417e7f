// The steps a sender moves on (180p15 … 720p30) and the rate controller that moves it: from
// the lowest step up every 2 s while the line has never shown strain, down at once when it
// does, then up one step only after 6 s clean, paused when even the
// lowest step strains it for 2 s (or at once when the audio suffers), the lowest tried again
// after 5 s. The browser's twin of shared/video's video_ladder (same steps, same rules; the
// node tests check the same cases). Pure: time and figures passed in.

export const LADDER = [
  { width: 320, height: 180, framesPerSecond: 15, bitrateKbps: 150, name: '180p15' },
  { width: 640, height: 360, framesPerSecond: 15, bitrateKbps: 300, name: '360p15' },
  { width: 640, height: 360, framesPerSecond: 30, bitrateKbps: 500, name: '360p30' },
  { width: 960, height: 540, framesPerSecond: 30, bitrateKbps: 900, name: '540p30' },
  { width: 1280, height: 720, framesPerSecond: 30, bitrateKbps: 1500, name: '720p30' },
];
/** The small layer beside a large one: the lowest step. Alone it climbs to 360p30. */
export const SMALL_LAYER = LADDER[0];
export const HIGHEST_SMALL_STEP = 2;

export const RAMP_UP_US = 2_000_000;
export const CLEAN_BEFORE_UP_US = 6_000_000;
export const LONGEST_BEFORE_UP_US = 48_000_000;
export const STEP_UP_TEST_US = 10_000_000;
export const QUEUEING_STRAIN_MS = 40;
/** The upload's queue (the server's measure of the sender's audio arrival) counts sooner. */
export const UPLINK_STRAIN_MS = 25;
export const STRAINED_BEFORE_PAUSE_US = 2_000_000;
export const PAUSE_FOR_US = 5_000_000;

/** signals: {worstLossPercent, worstDelayMs, droppedByServer, sendBacklogUs, queueingDelayMs, audioStrained}. */
export function strained(s) {
  return Boolean(s.audioStrained) || (s.worstLossPercent ?? 0) >= 3 || (s.worstDelayMs ?? 0) >= 250
    || (s.droppedByServer ?? 0) > 0 || (s.sendBacklogUs ?? 0) >= 300_000 || (s.queueingDelayMs ?? 0) >= QUEUEING_STRAIN_MS
    || (s.uplinkQueueMs ?? 0) >= UPLINK_STRAIN_MS;
}

/**
 * The lowest of a delay's recent values (the last 30 s, each second's lowest kept): how far a
 * fresh value rises above it is a queue filling somewhere. shared/base's RecentMinimum.
 */
export class RecentMinimum {
  constructor() {
    this.samples = [];
    this.lastKeptUs = -Infinity;
    this.pending = Infinity;
  }
  excess(value, nowUs) {
    this.pending = Math.min(this.pending, value);
    if (nowUs - this.lastKeptUs >= 1_000_000) {
      this.samples.push({ atUs: nowUs, value: this.pending });
      if (this.samples.length > 32) this.samples.shift();
      this.lastKeptUs = nowUs;
      this.pending = Infinity;
    }
    let lowest = value;
    for (const s of this.samples) if (nowUs - s.atUs <= 30_000_000) lowest = Math.min(lowest, s.value);
    return Math.max(0, value - lowest);
  }
}

export class RateController {
  constructor(startStep = 0, highest = LADDER.length - 1) {
    this.highest = Math.max(0, Math.min(highest, LADDER.length - 1));
    this.current = Math.max(0, Math.min(startStep, this.highest));
    this.paused = false;
    this.cleanSinceUs = -1;
    this.strainedAtBottomSinceUs = -1;
    this.pausedAtUs = 0;
    this.lastDownUs = -1;
    this.everStrained = false;
    this.beforeUpUs = CLEAN_BEFORE_UP_US;
    this.lastUpUs = -1;
  }
  /** The step now: an index into LADDER, or -1 when paused. */
  get step() {
    return this.paused ? -1 : this.current;
  }
  /** Once a second or so. */
  update(signals, nowUs) {
    if (this.paused) {
      if (nowUs - this.pausedAtUs >= PAUSE_FOR_US && !signals.audioStrained) {
        this.paused = false;
        this.current = 0;
        this.cleanSinceUs = nowUs;
        this.strainedAtBottomSinceUs = -1;
      }
      return this.step;
    }
    if (strained(signals)) {
      this.everStrained = true;
      this.cleanSinceUs = -1;
      // The last step up was too much for the line: wait longer before the next try.
      if (this.lastUpUs >= 0 && nowUs - this.lastUpUs < STEP_UP_TEST_US)
        this.beforeUpUs = Math.min(2 * this.beforeUpUs, LONGEST_BEFORE_UP_US);
      this.lastUpUs = -1;
      if (this.current > 0) {
        const severe = Boolean(signals.audioStrained) || (signals.worstLossPercent ?? 0) >= 10
          || (signals.queueingDelayMs ?? 0) >= 2 * QUEUEING_STRAIN_MS || (signals.uplinkQueueMs ?? 0) >= 2 * QUEUEING_STRAIN_MS;
        if (this.lastDownUs < 0 || nowUs - this.lastDownUs >= 1_000_000 || severe) {
          this.current = severe ? 0 : this.current - 1;
          this.lastDownUs = nowUs;
        }
        this.strainedAtBottomSinceUs = this.current === 0 ? nowUs : -1;
      } else {
        if (this.strainedAtBottomSinceUs < 0) this.strainedAtBottomSinceUs = nowUs;
        if (signals.audioStrained || nowUs - this.strainedAtBottomSinceUs >= STRAINED_BEFORE_PAUSE_US) {
          this.paused = true;
          this.pausedAtUs = nowUs;
        }
      }
      return this.step;
    }
    this.strainedAtBottomSinceUs = -1;
    if (this.cleanSinceUs < 0) this.cleanSinceUs = nowUs;
    if (this.lastUpUs >= 0 && nowUs - this.lastUpUs >= STEP_UP_TEST_US) this.lastUpUs = -1;  // that step held
    if (this.current < this.highest && nowUs - this.cleanSinceUs >= (this.everStrained ? this.beforeUpUs : RAMP_UP_US)) {
      this.current++;
      this.cleanSinceUs = nowUs;
      this.lastUpUs = nowUs;
    }
    return this.step;
  }
}
