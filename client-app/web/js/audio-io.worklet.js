// The page's audio callback (AudioWorklet, 128-frame render quanta at 48 kHz).
//
// Capture: the microphone's first channel cut into frames, each written into a ring in a
// SharedArrayBuffer the main thread made (capture-ring.js) with the context frame of its
// first sample; a small message, the same object each time, tells the main thread (which
// encodes them) that frames are there.
//
// Playout: one jitter buffer per remote participant (jitter.js, the same rules as the
// desktop app's) runs here, on the audio clock. The main thread decodes every packet as it
// arrives and posts the samples; each arrives here at the quantum it could first be played,
// so the buffer measures what really reaches the sound card — network, server, the page's
// main thread and the decoder together — and holds just enough for that. Each frame the
// buffer says: play this packet, conceal (the last frame again, fading: WebCodecs has no
// PLC), or stay silent. The streams are mixed with each listener's own gain and mute.
//
// Interval mode (docs/protocol.md): each stream's output is also kept by media timestamp
// (interval-line.js, its 4 MB made on the main thread and handed over); while the room is in
// it, a stream is heard from there, what it captured one interval before the quantum leaves
// the speaker — placed by its announced epoch and the main thread's map from context frames
// to the server's clock.
//
// Every quarter second the figures go to the main thread: per stream its counters, level,
// and (media timestamp, context frame) pairs of frames as they started playing, from which
// the page computes mouth-to-ear. Optionally posts what it plays (the tests' tap).
//
// Real time: process() never allocates, locks or waits — everything it touches is made when
// a message arrives (onmessage) or in the constructor, and the messages it posts are the
// same objects each time (test/worklet.test.mjs runs it for 10 s of audio and fails if the
// heap grew). Only the tests' tap, while on, posts fresh buffers.
import { CaptureRing } from './capture-ring.js';
import { IntervalLine } from './interval-line.js';
import { JitterBuffer } from './jitter.js';

const US_PER_FRAME = 1e6 / 48000;
const QUANTA_PER_REPORT = 94;  // ≈ 250 ms
const LATENCY_PAIRS_PER_REPORT = 32;
const MAX_REPORTED_STREAMS = 64;
const CONCEAL_FADE = 0.5;
const TAP_BLOCK_FRAMES = 4800;
const OPUS_LOOKAHEAD = 120;  // samples between capture and media timestamp

class RemoteStream {
  constructor(streamId, frameSamples) {
    this.streamId = streamId;
    this.jitter = new JitterBuffer({ frameSamples });
    this.source = null;  // interleaved stereo being played; null: silence
    this.frames = 0;     // frames in the current decision
    this.position = 0;   // frames of it already played
    this.last = null;    // the last frame played from a packet (concealment fades it in place)
    this.gain = 1;
    this.muted = false;
    this.peak = 0.5;  // a double from the start: stored in place
    this.peak = 0;
    this.decayLevel = false;
    this.playedFrames = 0;
    this.line = null;            // interval mode's delay line, once the main thread sent one
    this.epochServerUs = undefined;
    this.sourceTimestamp = -1;   // media timestamp of the current packet's first frame; -1: none
    // The quarter-second report, filled in place: (media timestamp, context frame) pairs.
    this.figures = { streamId, level: 0.5, stats: this.jitter.stats, latencyCount: 0,
      latencyTimestamps: new Float64Array(LATENCY_PAIRS_PER_REPORT), latencyFrames: new Float64Array(LATENCY_PAIRS_PER_REPORT) };
  }

  // Next decision at context frame `frame` (audio thread).
  decide(frame) {
    const decision = this.jitter.nextAtFrame(frame);
    this.position = 0;
    this.frames = decision.samples;
    this.sourceTimestamp = decision.kind === 'packet' ? decision.timestamp : -1;
    if (decision.kind === 'packet') {
      this.source = decision.payload;
      this.last = decision.payload;
      this.frames = decision.payload.length / 2;
      const figures = this.figures;
      if (figures.latencyCount < LATENCY_PAIRS_PER_REPORT) {
        figures.latencyTimestamps[figures.latencyCount] = decision.timestamp;
        figures.latencyFrames[figures.latencyCount++] = frame;
      }
    } else if (decision.kind === 'conceal' && this.last) {
      for (let i = 0; i < this.last.length; i++) this.last[i] *= CONCEAL_FADE;
      this.source = this.last;
      this.frames = this.last.length / 2;
    } else {
      this.source = null;
    }
    if (this.frames <= 0) this.frames = this.jitter.frameSamples;
  }

  // Adds `count` frames of this stream into left/right from `offset` (audio thread). With
  // `lateTimestamp` ≥ 0 (interval mode) what is added is the delay line's from that media
  // timestamp on; `silent`: nothing (interval mode without this stream's place in time).
  render(left, right, offset, count, firstFrame, lateTimestamp, silent) {
    const gain = this.muted ? 0 : this.gain;
    const live = lateTimestamp < 0 && !silent;
    let done = 0;
    while (done < count) {
      if (this.position >= this.frames) this.decide(firstFrame + done);
      const n = Math.min(count - done, this.frames - this.position);
      const source = this.source;
      if (this.line) this.line.write(source, this.position, n,
        this.sourceTimestamp < 0 ? undefined : this.sourceTimestamp + this.position);
      if (source && live) {
        for (let i = 0; i < n; i++) {
          const at = 2 * (this.position + i);
          const l = source[at], r = source[at + 1];
          left[offset + done + i] += l * gain;
          right[offset + done + i] += r * gain;
          const magnitude = l < 0 ? -l : l;
          if (magnitude > this.peak) this.peak = magnitude;
        }
      }
      this.position += n;
      done += n;
    }
    if (lateTimestamp >= 0 && this.line) {
      this.line.readInto(left, right, offset, count, lateTimestamp, gain);
      if (this.line.peak > this.peak) this.peak = this.line.peak;
    }
    this.playedFrames += count;
    // The level for the next report, kept here where the code is hot: code that runs only
    // once a report handles numbers as freshly allocated boxes until the engine optimises it.
    this.figures.level = this.peak;
    if (this.decayLevel) {
      this.peak *= 0.5;
      this.decayLevel = false;
    }
  }

  // The figures for this report (the caller posts them, which copies them, then calls reported()).
  report() {
    return this.figures;
  }

  reported() {
    this.figures.latencyCount = 0;
    this.decayLevel = true;
  }
}

class SamspilIo extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { frameSamples, capture } = options.processorOptions;
    this.frameSamples = frameSamples;
    this.capture = new CaptureRing(capture);
    this.fill = 0;
    this.frameStart = 0;
    this.remotes = new Map();  // stream id → RemoteStream
    this.remoteList = [];      // the same, to walk without an iterator
    this.intervalUs = 0;         // in force: 0 live
    this.pendingInterval = null; // {delayUs, fromServerUs}
    this.clockMap = null;        // {frame, serverUs}: when context frame `frame` leaves the speaker
    this.quanta = 0;
    this.tapping = false;
    // The messages process() posts: the same objects each time (postMessage copies them).
    this.framesMessage = { type: 'frames', written: 0 };
    this.statsMessage = { type: 'stats', count: 0, streams: new Array(MAX_REPORTED_STREAMS).fill(null) };
    this.port.onmessage = (event) => this.onMessage(event.data);
  }

  remote(streamId) {
    let remote = this.remotes.get(streamId);
    if (!remote) {
      remote = new RemoteStream(streamId, this.frameSamples);
      this.remotes.set(streamId, remote);
      this.remoteList.push(remote);
    }
    return remote;
  }

  // Messages are handled between render quanta: `currentFrame` is the first frame the
  // decoded samples could be played at, which is their arrival on the audio clock.
  onMessage(m) {
    switch (m.type) {
      case 'decoded':
        this.remote(m.streamId).jitter.insert({ sequence: m.sequence, timestamp: m.timestamp, samples: m.samples,
          payload: m.pcm, streamStart: m.streamStart }, currentFrame * US_PER_FRAME);
        break;
      case 'mix': {
        const remote = this.remote(m.streamId);
        if (m.gain !== undefined) remote.gain = m.gain;
        if (m.muted !== undefined) remote.muted = m.muted;
        break;
      }
      case 'remove': {
        const remote = this.remotes.get(m.streamId);
        this.remotes.delete(m.streamId);
        if (remote) this.remoteList.splice(this.remoteList.indexOf(remote), 1);
        break;
      }
      case 'line':  // a delay line for one stream, its memory made on the main thread
        this.remote(m.streamId).line = new IntervalLine(m.samples);
        break;
      case 'interval':  // the room's mode from the grid's start on
        this.pendingInterval = { delayUs: m.delayUs, fromServerUs: m.fromServerUs };
        break;
      case 'clockMap':
        this.clockMap = { frame: m.frame, serverUs: m.serverUs };
        break;
      case 'epoch':
        this.remote(m.streamId).epochServerUs = m.epochServerUs;
        break;
      case 'tap':
        this.tapping = m.on;
        this.tapFill = 0;
        if (m.on && !this.tapLeft) {
          this.tapLeft = new Float32Array(TAP_BLOCK_FRAMES);
          this.tapRight = new Float32Array(TAP_BLOCK_FRAMES);
        }
        break;
      case 'frameSamples':
        this.frameSamples = Math.min(m.frameSamples, this.capture.slotSamples);
        this.fill = 0;
        break;
    }
  }

  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    const left = outputs[0][0];
    const right = outputs[0][1] || left;
    const quantum = left.length;
    for (let i = 0; i < quantum; i++) {
      if (this.fill === 0) this.frameStart = currentFrame + i;
      this.capture.put(this.fill++, input ? input[i] : 0);
      if (this.fill === this.frameSamples) {
        this.framesMessage.written = this.capture.commit(this.frameSamples, this.frameStart);
        this.port.postMessage(this.framesMessage);
        this.fill = 0;
      }
    }
    left.fill(0);
    if (right !== left) right.fill(0);
    const map = this.clockMap;
    const known = map !== null;
    const outServerUs = known ? map.serverUs + (currentFrame - map.frame) * US_PER_FRAME : 0;
    if (this.pendingInterval && known && outServerUs >= this.pendingInterval.fromServerUs) {
      this.intervalUs = this.pendingInterval.delayUs;
      this.pendingInterval = null;
    }
    const remotes = this.remoteList;
    for (let r = 0; r < remotes.length; r++) {
      const remote = remotes[r];
      if (this.intervalUs <= 0) {
        remote.render(left, right, 0, quantum, currentFrame, -1, false);
        continue;
      }
      // Media timestamp t was captured at epoch + (t − 120)/48 kHz on the server's clock.
      const placed = remote.epochServerUs !== undefined && known;
      const late = placed
        ? (OPUS_LOOKAHEAD + Math.round((outServerUs - this.intervalUs - remote.epochServerUs) * 0.048)) >>> 0 : -1;
      remote.render(left, right, 0, quantum, currentFrame, late, !placed);
    }
    if (++this.quanta >= QUANTA_PER_REPORT) this.report();
    if (this.tapping) this.tapQuantum(left, right);
    return true;
  }

  report() {
    this.quanta = 0;
    const message = this.statsMessage;
    const remotes = this.remoteList;
    message.count = Math.min(remotes.length, MAX_REPORTED_STREAMS);
    for (let r = 0; r < message.count; r++) message.streams[r] = remotes[r].report();
    this.port.postMessage(message);
    for (let r = 0; r < message.count; r++) {
      remotes[r].reported();
      message.streams[r] = null;
    }
  }

  // The tests' tap: what is played, posted in 100 ms blocks (a message per quantum would
  // load the main thread it is listening to).
  tapQuantum(left, right) {
    if (this.tapFill === 0) this.tapFirstFrame = currentFrame;
    this.tapLeft.set(left, this.tapFill);
    this.tapRight.set(right, this.tapFill);
    this.tapFill += left.length;
    if (this.tapFill + left.length > TAP_BLOCK_FRAMES) {
      const l = this.tapLeft.slice(0, this.tapFill), r = this.tapRight.slice(0, this.tapFill);
      this.port.postMessage({ type: 'tap', left: l, right: r, firstFrame: this.tapFirstFrame }, [l.buffer, r.buffer]);
      this.tapFill = 0;
    }
  }
}

registerProcessor('samspil-io', SamspilIo);
