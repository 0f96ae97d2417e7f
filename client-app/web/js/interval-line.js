// IntervalLine: one participant's audio kept by its media timestamp, so that in interval mode
// (docs/protocol.md, "Interval mode") the page plays what they captured exactly one interval
// earlier — as the apps' IntervalDelayLine. The last 2^20 frames (21.8 s at 48 kHz) of stereo
// as 16-bit samples (4 MB). Used on the audio thread (the worklet); its memory is made on
// the main thread and handed over in a message (newSamples()), so the rendering thread never
// allocates or zeroes 4 MB.
export const CAPACITY_FRAMES = 1 << 20;
const MASK = CAPACITY_FRAMES - 1;

const toSample = (v) => Math.round((v > 1 ? 1 : v < -1 ? -1 : v) * 32767);

/** Main thread: the memory of one line, to transfer to the worklet. */
export function newSamples() {
  return new Int16Array(CAPACITY_FRAMES * 2);
}

export class IntervalLine {
  /** samples: from newSamples() (the main thread's). */
  constructor(samples = newSamples()) {
    if (samples.length !== CAPACITY_FRAMES * 2) throw new Error('an interval line holds 2^20 stereo frames');
    this.samples = samples;
    this.peak = 0.5;  // a double from the start: stored in place
    this.peak = 0;
    this.started = false;
    this.end = 0;     // one past the newest frame written (media timestamp, uint32)
    this.filled = 0;  // frames before `end` that hold written audio
  }

  /** Frames [from, from + count) of interleaved stereo `source` (null: silence) at media
   *  timestamp `timestamp`, or after the last written ones when it is undefined. */
  write(source, from, count, timestamp) {
    if (count <= 0) return;
    if (timestamp === undefined) {
      if (!this.started) return;
      timestamp = this.end;
    }
    timestamp >>>= 0;
    const ahead = (timestamp - this.end) | 0;  // > 0: a gap; < 0: rewriting
    if (!this.started || ahead > CAPACITY_FRAMES || ahead < -CAPACITY_FRAMES) {
      this.started = true;
      this.end = timestamp;
      this.filled = 0;
    } else if (ahead > 0) {  // nothing came for the gap: silence, never a lap-old echo
      for (let i = 0; i < ahead; i++) {
        const at = ((this.end + i) & MASK) * 2;
        this.samples[at] = this.samples[at + 1] = 0;
      }
      this.end = timestamp;
      this.filled = Math.min(this.filled + ahead, CAPACITY_FRAMES);
    }
    for (let i = 0; i < count; i++) {
      const at = ((timestamp + i) & MASK) * 2;
      this.samples[at] = source ? toSample(source[2 * (from + i)]) : 0;
      this.samples[at + 1] = source ? toSample(source[2 * (from + i) + 1]) : 0;
    }
    const beyond = ((timestamp + count - this.end) | 0);
    if (beyond > 0) {
      this.end = (timestamp + count) >>> 0;
      this.filled = Math.min(this.filled + beyond, CAPACITY_FRAMES);
    }
  }

  /** Adds `count` frames from media timestamp `timestamp` on, times `gain`, into left/right
   *  from `offset`; what was never written is silence. The block's peak goes to `peak` (a
   *  number returned from a call would be boxed: allocated on the audio thread). */
  readInto(left, right, offset, count, timestamp, gain) {
    let peak = 0;
    this.peak = 0;
    if (!this.started) return;
    for (let i = 0; i < count; i++) {
      const position = (timestamp + i) >>> 0;
      const age = (this.end - position) | 0;  // 1: the newest frame
      if (age < 1 || age > this.filled) continue;
      const at = (position & MASK) * 2;
      const l = this.samples[at] / 32767, r = this.samples[at + 1] / 32767;
      left[offset + i] += l * gain;
      right[offset + i] += r * gain;
      const magnitude = l < 0 ? -l : l;
      if (magnitude > peak) peak = magnitude;
    }
    this.peak = peak;
  }

  clear() {
    this.started = false;
    this.filled = 0;
  }
}
