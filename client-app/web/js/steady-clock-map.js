// Where the server's clock sits on the AudioContext's clock, steadied for the room's click.
// Each measurement (context time minus server time, in seconds) carries the noise of the
// browser's output timestamp — updated once per audio callback, and headless Chromium calls
// back in 10 ms bursts — and of the session's clock offset, which moves a little with each
// ping. Placed on raw measurements, clicks would land up to a few ms off their neighbours'
// spacing. So the click uses the median of recent measurements, approached by at most
// MAX_STEP_S from one click to the next: its spacing stays within 0.5 ms of the tempo, while
// the clocks' real drift (tens of ppm) is followed. A move beyond JUMP_S is a real change
// (another output device, a new output latency) and is taken at once. Main thread.
const WINDOW = 9;
const MAX_STEP_S = 0.0005;
const JUMP_S = 0.015;

export class SteadyClockMap {
  constructor() {
    this.recent = [];
    this.current = undefined;
  }

  /** A fresh measurement: context time minus server time (s). */
  observe(contextMinusServerS) {
    this.recent.push(contextMinusServerS);
    if (this.recent.length > WINDOW) this.recent.shift();
  }

  /** The median of the recent measurements (undefined before the first). */
  median() {
    if (!this.recent.length) return undefined;
    const sorted = this.recent.slice().sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** The difference to place the next click with; undefined before the first measurement. */
  nextClick() {
    const target = this.median();
    if (target === undefined) return undefined;
    const gap = target - (this.current ?? target);
    if (this.current === undefined || Math.abs(gap) > JUMP_S) this.current = target;
    else this.current += Math.max(-MAX_STEP_S, Math.min(MAX_STEP_S, gap));
    return this.current;
  }
}

export const STEADY_CLOCK_LIMITS = { maxStepS: MAX_STEP_S, jumpS: JUMP_S, window: WINDOW };
