// RoomAudio: the page's sound — the microphone (echo cancellation, noise suppression and
// gain control off: this is music) through an AudioWorklet, Opus by WebCodecs, and the
// room's participants heard through the worklet. Main thread; the worklet
// (audio-io.worklet.js) is the audio callback and holds one jitter buffer per participant.
//
// Hearing: every packet is decoded the moment it arrives (one AudioDecoder per remote
// stream) and its samples go straight to the worklet, whose jitter buffer decides on the
// audio clock when each frame plays. Sending: the worklet's frames are encoded and sent.
//
// Time: context frames map to this page's clock (performance.now) at the moment the
// worklet renders them (RenderClock); that is "when it was captured" for what we send and
// "when it was played" for what we hear — sound-card buffers excluded, as for the cli.
import { CaptureRing } from './capture-ring.js';
import { newSamples } from './interval-line.js';
import * as protocol from './protocol.js';
import { outputLatencyS } from './output-latency.js';

const EPOCH_CHECK_FRAMES = 100;  // re-derive the stream epoch every ~0.5 s as the clock map settles
const STALE_CAPTURE_FRAMES = 48 * 60;  // a captured frame reaching the main thread over 60 ms late is skipped

/** Whether this browser can join: WebCodecs Opus, AudioWorklet and cross-origin isolation. */
export async function browserSupport() {
  if (!window.isSecureContext) return { ok: false, reason: 'insecure' };
  if (!window.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') return { ok: false, reason: 'isolation' };
  if (typeof AudioWorkletNode === 'undefined') return { ok: false, reason: 'worklet' };
  if (typeof AudioEncoder === 'undefined' || typeof AudioDecoder === 'undefined') return { ok: false, reason: 'webcodecs' };
  try {
    const encode = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 1, bitrate: 64000 });
    const decode = await AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    if (!encode.supported || !decode.supported) return { ok: false, reason: 'opus' };
  } catch {
    return { ok: false, reason: 'opus' };
  }
  return { ok: true };
}

/**
 * Context frame → page time (µs) when the worklet renders it. Reading `currentTime` right
 * after a render quantum gives the true offset; any other read only comes later, so the
 * least (now − currentTime) of the last ~10 s is the map (and follows drift).
 */
export class RenderClock {
  constructor(context) {
    this.context = context;
    this.buckets = [];  // {bucket (2 s), least offset µs}
  }
  sample() {
    const nowMs = performance.now();
    const offsetUs = nowMs * 1000 - this.context.currentTime * 1e6;
    const bucket = Math.floor(nowMs / 2000);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.bucket === bucket) last.leastUs = Math.min(last.leastUs, offsetUs);
    else {
      this.buckets.push({ bucket, leastUs: offsetUs });
      if (this.buckets.length > 5) this.buckets.shift();
    }
  }
  toLocalUs(contextFrame) {
    if (this.buckets.length === 0) this.sample();
    let least = Infinity;
    for (const b of this.buckets) least = Math.min(least, b.leastUs);
    return (contextFrame * 1e6) / 48000 + least;
  }
}

export class RoomAudio {
  /** Opens the sound card and the microphone (asks permission). frameSamples: 120, 240 or 480. */
  static async open({ frameSamples = 240 } = {}) {
    const context = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    await context.audioWorklet.addModule(new URL('./audio-io.worklet.js', import.meta.url));
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1, sampleRate: 48000 },
    });
    return new RoomAudio(context, stream, frameSamples);
  }

  constructor(context, stream, frameSamples) {
    this.context = context;
    this.microphone = stream;
    this.frameSamples = frameSamples;
    this.inputGain = 1;
    this.selfMuted = false;
    this.inputLevel = 0;
    this.streams = new Map();  // stream id → {decoder, pending decodes, figures from the worklet}
    this.epochs = new Map();   // stream id → epoch_server_us, from the peers list
    this.epochsSent = new Map();  // the same, as the worklet has them (interval mode places by them)
    this.latencies = [];  // mouth-to-ear samples (ms) of every stream, for the page's figure and the tests
    this.stats = { framesSent: 0, framesNotSent: 0, encodeErrors: 0, decodeErrors: 0, copiesDropped: 0 };
    this.underruns = 0;
    this.tap = null;
    this.clock = new RenderClock(context);
    this.capture = CaptureRing.create();
    this.keepLines = false;        // the room has a grid: every stream gets an interval line
    this.linesSent = new Set();    // streams whose line the worklet has
    this.node = new AudioWorkletNode(context, 'samspil-io', {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2],
      processorOptions: { frameSamples, capture: this.capture.shared },
    });
    this.node.port.onmessage = (event) => this.#onWorklet(event.data);
    context.createMediaStreamSource(stream).connect(this.node);
    this.node.connect(context.destination);
    this.#makeEncoder();
  }

  /** Starts sending and hearing through a Session (session.js). */
  attach(session) {
    this.session = session;
  }

  async resume() {
    if (this.context.state !== 'running') await this.context.resume();
  }

  close() {
    this.node.disconnect();
    for (const track of this.microphone.getTracks()) track.stop();
    for (const remote of this.streams.values()) if (remote.decoder.state !== 'closed') remote.decoder.close();
    if (this.encoder.state !== 'closed') this.encoder.close();
    return this.context.close();
  }

  /** The others' audio so far, summed over every stream: packets received and frames concealed. */
  totals() {
    let received = 0;
    let concealed = 0;
    for (const remote of this.streams.values()) {
      received += remote.figures?.stats.received ?? 0;
      concealed += remote.figures?.stats.concealed ?? 0;
    }
    return { received, concealed };
  }

  /** Tests: start or stop collecting what the worklet plays. */
  setTap(on) {
    this.tap = on ? { left: [], right: [] } : this.tap;
    this.node.port.postMessage({ type: 'tap', on });
  }

  /**
   * The room's metronome grid (undefined when it stops): interval mode (`interval_bars`) or
   * live from the grid's start on. While a grid runs the worklet keeps every participant's
   * last 21 s, so a switch to interval mode has the interval before it to play.
   */
  followRoomGrid(grid) {
    if (grid && !this.keepLines) {
      this.keepLines = true;
      for (const streamId of this.streams.keys()) this.#sendLine(streamId);
    }
    const delayUs = grid && grid.interval_bars > 0 ? Math.round((grid.interval_bars * grid.beats_per_bar * 60e6) / grid.bpm) : 0;
    this.node.port.postMessage({ type: 'interval', delayUs, fromServerUs: grid ? grid.start_server_us : -Infinity });
    this.#sendClockMap();
  }

  /** When context frame `frame` leaves the speaker, on the server's clock (µs); undefined without a clock. */
  serverUsOfContextFrame(frame) {
    const offset = this.session?.offsetUs;
    if (offset === undefined) return undefined;
    const latencyUs = outputLatencyS(this.context) * 1e6;
    return this.clock.toLocalUs(frame) + offset + latencyUs;
  }

  // A stream's interval line for the worklet: its 4 MB made here and handed over, never on
  // the rendering thread.
  #sendLine(streamId) {
    if (!this.keepLines || this.linesSent.has(streamId)) return;
    this.linesSent.add(streamId);
    const samples = newSamples();
    this.node.port.postMessage({ type: 'line', streamId, samples }, [samples.buffer]);
  }

  // The worklet's map from context frames to the server's clock, refreshed as the clock settles.
  #sendClockMap() {
    const frame = Math.round(this.context.currentTime * 48000);
    const serverUs = this.serverUsOfContextFrame(frame);
    if (serverUs !== undefined) this.node.port.postMessage({ type: 'clockMap', frame, serverUs });
  }

  /** This listener's own volume (0..2) and mute for one participant. */
  setPeerMix(streamId, { gain, muted }) {
    this.node.port.postMessage({ type: 'mix', streamId, gain, muted });
  }

  /** Figures of one remote stream for its strip (from the worklet's last report). */
  peerFigures(streamId) {
    const remote = this.streams.get(streamId);
    const s = remote?.figures?.stats;
    if (!s) return undefined;
    return { level: remote.figures.level, received: s.received, lost: s.lost, concealed: s.concealed,
      jitterMs: s.jitterMs, bufferMs: s.meanBufferDelayMs, targetMs: s.targetDelayMs, delayMs: remote.lastLatencyMs };
  }

  // ---- send --------------------------------------------------------------------------
  #makeEncoder() {
    this.pendingTimestamps = [];
    this.encoder = new AudioEncoder({
      output: (chunk) => this.#onEncoded(chunk),
      error: () => {
        this.stats.encodeErrors++;
        this.#makeEncoder();
      },
    });
    this.encoder.configure({
      codec: 'opus', sampleRate: 48000, numberOfChannels: 1, bitrate: 64000, bitrateMode: 'constant',
      opus: { frameDuration: Math.round(this.frameSamples * 1e6 / 48000), application: 'lowdelay', complexity: 5 },
    });
  }

  #onWorklet(message) {
    if (message.type === 'frames') {
      this.stats.framesOverwritten = (this.stats.framesOverwritten ?? 0)
        + this.capture.drain((frame, firstContextFrame) => this.#onCapturedFrame(frame, firstContextFrame));
      return;
    }
    if (message.type === 'stats') return this.#onFigures(message.streams, message.count);
    if (message.type === 'tap' && this.tap) {
      this.tap.firstFrame ??= message.firstFrame;
      this.tap.left.push(message.left);
      this.tap.right.push(message.right);
    }
  }

  #onCapturedFrame(frame, firstContextFrame) {
    this.clock.sample();
    // Media timestamp 0 is the first frame's first sample; its page time is re-derived as
    // the clock map settles (the session re-announces the epoch when it moved).
    if (this.firstContextFrame === undefined) this.firstContextFrame = firstContextFrame;
    if ((this.capturedFrames = (this.capturedFrames ?? 0) + 1) % EPOCH_CHECK_FRAMES === 1) {
      this.epochLocalUs = this.clock.toLocalUs(this.firstContextFrame);
      this.session?.setStreamEpoch(this.epochLocalUs);
    }
    const timestamp = (firstContextFrame - this.firstContextFrame) >>> 0;
    let peak = 0;
    const gain = this.selfMuted ? 0 : this.inputGain;
    for (let i = 0; i < frame.length; i++) {
      peak = Math.max(peak, Math.abs(frame[i]));
      frame[i] *= gain;
    }
    this.inputLevel = Math.max(peak, this.inputLevel * 0.9);
    // A frame the main thread reaches late (it was busy) is not worth sending: a listener
    // would have to hold everything after it back. Skip it like a lost packet (its sequence
    // number is used up), so the other side conceals a gap instead of falling behind.
    const ageFrames = Math.round(this.context.currentTime * 48000) - (firstContextFrame + frame.length);
    if (ageFrames > STALE_CAPTURE_FRAMES && this.session?.joined) {
      this.stats.framesStale = (this.stats.framesStale ?? 0) + 1;
      this.sequence = ((this.sequence ?? 0) + 1) >>> 0;
      return;
    }
    if (this.session?.joined && this.encoder.state === 'configured') {
      this.sequence = ((this.sequence ?? 0) + 1) >>> 0;
      this.pendingTimestamps.push({ timestamp, sequence: this.sequence, atMs: performance.now() });
      this.encoder.encode(new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: frame.length,
        numberOfChannels: 1, timestamp: Math.round(timestamp * 1e6 / 48000), data: frame }));
    } else {
      this.stats.framesNotSent++;
      this.sequenceStart = true;  // the next packet sent starts a stream again
    }
  }

  #onEncoded(chunk) {
    const pending = this.pendingTimestamps.shift();
    if (pending === undefined || !this.session) return;
    const { timestamp, sequence } = pending;
    // How long the encoder took (encode() to its output), for the figures.
    const tookMs = performance.now() - pending.atMs;
    this.stats.encodeMsMean = (this.stats.encodeMsMean ?? tookMs) + (tookMs - (this.stats.encodeMsMean ?? tookMs)) / 64;
    const payload = new Uint8Array(chunk.byteLength);
    chunk.copyTo(payload);
    if (payload.length > protocol.MAX_OPUS_PAYLOAD_BYTES) return;
    const flags = this.sequenceStart !== false ? protocol.FLAG_STREAM_START : 0;
    this.sequenceStart = false;
    if (this.session.sendMedia(protocol.encodeMediaPacket({ flags, sequence, timestamp, payload })))
      this.stats.framesSent++;
    else
      this.stats.framesNotSent++;
  }

  // ---- hear --------------------------------------------------------------------------
  /** Packets from the session: each is decoded now and handed to the worklet. */
  receive(packets) {
    for (const packet of packets) {
      const stereo = (packet.flags & protocol.FLAG_STEREO) !== 0;
      const remote = this.#remote(packet.streamId, stereo);
      const streamStart = (packet.flags & protocol.FLAG_STREAM_START) !== 0;
      // A second copy (the media twin's, or a repeat) must not reach the decoder: decoding
      // a frame twice would advance its state as if it were the next one.
      if (streamStart) remote.seen.clear();
      if (remote.seen.has(packet.sequence)) {
        this.stats.copiesDropped++;
        continue;
      }
      remote.seen.add(packet.sequence);
      if (remote.decoder.state === 'closed' || remote.stereo !== stereo || (streamStart && remote.decoded > 0))
        this.#configureDecoder(remote, stereo);
      const chunkUs = Math.round((packet.timestamp * 1e6) / 48000);
      remote.pending.push({ sequence: packet.sequence, timestamp: packet.timestamp, chunkUs, streamStart,
        samples: protocol.opusPacketSamples(packet.payload) });
      try {
        remote.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: chunkUs, data: packet.payload }));
      } catch {
        this.stats.decodeErrors++;
        remote.pending.pop();
      }
    }
  }

  /** The room's participants: the epoch of each stream (for latency); gone ones are dropped. */
  setPeers(peers, selfStreamId) {
    const present = new Set();
    for (const peer of peers) {
      if (peer.stream_id === selfStreamId) continue;
      present.add(peer.stream_id);
      const epochServerUs = peer.stream?.epoch_server_us;
      if (epochServerUs === undefined) continue;
      this.epochs.set(peer.stream_id, epochServerUs);
      if (this.epochsSent.get(peer.stream_id) !== epochServerUs) {
        this.epochsSent.set(peer.stream_id, epochServerUs);
        this.node.port.postMessage({ type: 'epoch', streamId: peer.stream_id, epochServerUs });
      }
    }
    for (const [id, remote] of this.streams)
      if (!present.has(id)) {
        if (remote.decoder.state !== 'closed') remote.decoder.close();
        this.streams.delete(id);
        this.epochs.delete(id);
        this.epochsSent.delete(id);
        this.linesSent.delete(id);
        this.node.port.postMessage({ type: 'remove', streamId: id });
      }
  }

  #remote(streamId, stereo) {
    let remote = this.streams.get(streamId);
    if (remote) return remote;
    remote = { streamId, stereo, pending: [], decoded: 0, figures: undefined, lastLatencyMs: undefined,
      seen: new protocol.RecentSequences(256) };
    this.#configureDecoder(remote, stereo);
    this.streams.set(streamId, remote);
    this.#sendLine(streamId);
    return remote;
  }

  #configureDecoder(remote, stereo) {
    if (remote.decoder && remote.decoder.state !== 'closed') remote.decoder.close();
    remote.stereo = stereo;
    remote.pending = [];
    remote.decoded = 0;
    remote.decoder = new AudioDecoder({
      output: (data) => this.#onDecoded(remote, data),
      error: () => {
        this.stats.decodeErrors++;
        remote.pending = [];
      },
    });
    remote.decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: stereo ? 2 : 1 });
  }

  // A decoded packet: to the worklet as interleaved stereo of the packet's length. Outputs
  // come in decode order; one whose timestamp matches a later pending packet means the
  // ones before it gave no output (the jitter buffer conceals them).
  #onDecoded(remote, data) {
    let index = remote.pending.findIndex((p) => p.chunkUs === data.timestamp);
    if (index < 0) index = 0;
    const meta = remote.pending[index];
    remote.pending.splice(0, index + 1);
    if (!meta) {
      data.close();
      return;
    }
    remote.decoded++;
    const frames = meta.samples;
    const got = Math.min(frames, data.numberOfFrames);
    const left = new Float32Array(got);
    data.copyTo(left, { planeIndex: 0, format: 'f32-planar' });
    let right = left;
    if (data.numberOfChannels > 1) {
      right = new Float32Array(got);
      data.copyTo(right, { planeIndex: 1, format: 'f32-planar' });
    }
    data.close();
    // A short first output (the decoder's look-ahead) keeps its place at the frame's end.
    const pcm = new Float32Array(2 * frames);
    const start = frames - got;
    for (let i = 0; i < got; i++) {
      pcm[2 * (start + i)] = left[i];
      pcm[2 * (start + i) + 1] = right[i];
    }
    this.node.port.postMessage({ type: 'decoded', streamId: remote.streamId, sequence: meta.sequence,
      timestamp: meta.timestamp, samples: frames, streamStart: meta.streamStart, pcm }, [pcm.buffer]);
  }

  // The worklet's quarter-second report: each stream's figures, and mouth-to-ear from the
  // frames that started playing (media timestamp, context frame).
  #onFigures(reported, count) {
    this.clock.sample();
    this.#sendClockMap();
    let underruns = 0;
    for (let i = 0; i < count; i++) {
      const figures = reported[i];
      underruns += figures.stats.underruns;
      const remote = this.streams.get(figures.streamId);
      if (!remote) continue;
      remote.figures = figures;
      const epochServerUs = this.epochs.get(figures.streamId);
      if (epochServerUs === undefined || this.session?.offsetUs === undefined) continue;
      for (let p = 0; p < figures.latencyCount; p++) {
        remote.lastLatencyMs = protocol.mouthToEarMs(this.clock.toLocalUs(figures.latencyFrames[p]), epochServerUs,
          this.session.offsetUs, figures.latencyTimestamps[p]);
        this.latencies.push(remote.lastLatencyMs);
      }
    }
    this.underruns = underruns;
    if (this.latencies.length > 20000) this.latencies.splice(0, 10000);
  }
}
