// The page's audio callback (AudioWorklet, 128-sample quanta at 48 kHz). Capture: the
// microphone's first channel cut into frames, each posted to the main thread with the
// context frame of its first sample. Playout: stereo from a SharedArrayBuffer ring the main
// thread fills with the room's mix. The main thread's frames come in clumps (it runs when
// the browser lets it), so playout keeps a cushion: it starts once the ring holds `prime`
// samples, and each time the ring runs dry (silence, counted) the cushion grows by a
// quantum, up to 40 ms; after two seconds without running dry it shrinks by one again.
// What stays queued beyond the cushion for a whole second (not a passing clump) is trimmed
// back in one skip, so the delay does not creep up. It never locks or waits. Optionally posts what it plays (the tap the tests listen to).

class SamspilIo extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { frameSamples, ring } = options.processorOptions;
    this.frameSamples = frameSamples;
    this.frame = new Float32Array(frameSamples);
    this.fill = 0;
    this.frameStart = 0;
    this.samples = new Float32Array(ring.samples);  // interleaved stereo
    this.indices = new Int32Array(ring.indices);    // [write, read] in stereo frames, wrapping at capacity
    this.capacity = this.samples.length / 2;
    this.underruns = 0;
    this.prime = 256;
    this.primed = false;
    this.quantaSinceDry = 0;
    this.leastAvailable = Infinity;  // over the current second
    this.quantaInWindow = 0;
    this.tapping = false;
    this.port.onmessage = (event) => {
      if (event.data.type === 'tap') this.tapping = event.data.on;
      if (event.data.type === 'frameSamples') {
        this.frameSamples = event.data.frameSamples;
        this.frame = new Float32Array(this.frameSamples);
        this.fill = 0;
      }
    };
  }

  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    const quantum = outputs[0][0].length;
    for (let i = 0; i < quantum; i++) {
      if (this.fill === 0) this.frameStart = currentFrame + i;
      this.frame[this.fill++] = input ? input[i] : 0;
      if (this.fill === this.frameSamples) {
        this.port.postMessage({ type: 'frame', frame: this.frame, firstContextFrame: this.frameStart }, [this.frame.buffer]);
        this.frame = new Float32Array(this.frameSamples);
        this.fill = 0;
      }
    }
    const left = outputs[0][0];
    const right = outputs[0][1] || left;
    const write = Atomics.load(this.indices, 0);
    let read = Atomics.load(this.indices, 1);
    let available = (write - read + this.capacity) % this.capacity;
    if (!this.primed && available >= this.prime) this.primed = true;
    if (this.primed && ++this.quantaSinceDry > 750 && this.prime > 256) {  // 2 s steady: a smaller cushion
      this.prime -= quantum;
      this.quantaSinceDry = 0;
    }
    if (this.primed) {
      this.leastAvailable = Math.min(this.leastAvailable, available);
      if (++this.quantaInWindow >= 375) {  // a second: trim what never drained
        const excess = this.leastAvailable - this.prime - quantum;
        if (excess > 0) {
          read = (read + excess) % this.capacity;
          available -= excess;
        }
        this.leastAvailable = Infinity;
        this.quantaInWindow = 0;
      }
    }
    if (this.primed && available >= quantum) {
      for (let i = 0; i < quantum; i++) {
        left[i] = this.samples[2 * read];
        right[i] = this.samples[2 * read + 1];
        read = (read + 1) % this.capacity;
      }
      Atomics.store(this.indices, 1, read);
    } else {
      left.fill(0);
      if (right !== left) right.fill(0);
      if (this.primed) {  // ran dry while playing: wait for a bigger cushion
        this.underruns++;
        this.primed = false;
        this.quantaSinceDry = 0;
        this.leastAvailable = Infinity;  // the measure of what never drains starts over
        this.quantaInWindow = 0;
        this.prime = Math.min(this.prime + quantum, 1920);
      }
    }
    if (this.tapping)
      this.port.postMessage({ type: 'tap', left: left.slice(), right: right.slice(), underruns: this.underruns });
    return true;
  }
}

registerProcessor('samspil-io', SamspilIo);
