// CaptureRing: the microphone's frames on their way from the audio callback (the worklet)
// to the main thread (which encodes them), in a SharedArrayBuffer the main thread makes:
// no message, array or copy per frame on the audio thread. One writer (the worklet), one
// reader (the main thread); the written count is published with Atomics after the frame.
// A reader that falls further behind than the ring holds skips what was overwritten.
//
// Layout: Int32 [written] · Float64 [first context frame] × slots · Int32 [length] × slots ·
// Float32 [samples] × slots × slotSamples.
export const CAPTURE_SLOTS = 64;          // 320 ms of 5 ms frames (a power of two)
export const CAPTURE_SLOT_SAMPLES = 960;  // the largest frame the wire has (20 ms)

export class CaptureRing {
  /** Main thread: a new ring; pass `.shared` to the worklet in its processorOptions. */
  static create(slots = CAPTURE_SLOTS, slotSamples = CAPTURE_SLOT_SAMPLES) {
    const bytes = 8 + slots * 8 + slots * 4 + slots * slotSamples * 4;
    return new CaptureRing({ buffer: new SharedArrayBuffer(bytes), slots, slotSamples });
  }

  /** Either side: the ring over a shared buffer {buffer, slots, slotSamples}. */
  constructor(shared) {
    this.shared = shared;
    const { buffer, slots, slotSamples } = shared;
    if (slots & (slots - 1)) throw new Error('the capture ring holds a power of two frames');
    this.slots = slots;
    this.mask = slots - 1;
    this.slotSamples = slotSamples;
    this.control = new Int32Array(buffer, 0, 1);
    this.firstFrames = new Float64Array(buffer, 8, slots);
    this.lengths = new Int32Array(buffer, 8 + slots * 8, slots);
    this.samples = new Float32Array(buffer, 8 + slots * 12, slots * slotSamples);
    this.written = 0;  // the writer's own count
    this.read = 0;     // the reader's own count
  }

  /** Writer (audio thread): sample `index` of the frame being filled. */
  put(index, value) {
    this.samples[(this.written & this.mask) * this.slotSamples + index] = value;
  }

  /** Writer: the frame being filled is complete; returns the frames written so far. */
  commit(length, firstContextFrame) {
    const slot = this.written & this.mask;
    this.firstFrames[slot] = firstContextFrame;
    this.lengths[slot] = length;
    this.written = (this.written + 1) | 0;
    Atomics.store(this.control, 0, this.written);
    return this.written;
  }

  /**
   * Reader (main thread): each frame written since the last call, as a copy, to
   * take(samples, firstContextFrame). Returns how many were overwritten before they were read.
   */
  drain(take) {
    const written = Atomics.load(this.control, 0);
    let skipped = 0;
    if (((written - this.read) | 0) > this.slots - 1) {  // the writer lapped us (the slot being filled too)
      skipped = ((written - this.read) | 0) - (this.slots - 1);
      this.read = (this.read + skipped) | 0;
    }
    while (this.read !== written) {
      const slot = this.read & this.mask;
      const start = slot * this.slotSamples;
      take(this.samples.slice(start, start + this.lengths[slot]), this.firstFrames[slot]);
      this.read = (this.read + 1) | 0;
    }
    return skipped;
  }
}
