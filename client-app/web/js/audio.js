// RoomAudio: the page's sound — the microphone (echo cancellation, noise suppression and
// gain control off: this is music) through an AudioWorklet, Opus by WebCodecs, one jitter
// buffer and decoder per remote participant, the room's mix back to the worklet through a
// SharedArrayBuffer ring. Main thread; the worklet (audio-io.worklet.js) is the audio callback.
//
// Time: the worklet's frames arrive with the context frame of their first sample; that is
// mapped to this page's clock (performance.now) and drives both the send side (media
// timestamps, the stream epoch) and the playout clock of the jitter buffers.
import * as protocol from './protocol.js';
import { JitterBuffer } from './jitter.js';

const RING_FRAMES = 48000;  // one second of stereo: far more than is ever queued
const MIX_SLOTS = 64;
const RING_LOW_FRAMES = 256;  // below this, a frame goes to the worklet even if a decode is still out

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
    this.streams = new Map();  // stream id → remote stream state
    this.mix = Array.from({ length: MIX_SLOTS }, () => new Float32Array(2 * frameSamples));
    this.latencies = [];  // mouth-to-ear samples (ms) of every stream, for the page's figure and the tests
    this.stats = { framesSent: 0, framesNotSent: 0, ringOverflows: 0, encodeErrors: 0 };
    this.tap = null;
    const ring = { samples: new SharedArrayBuffer(RING_FRAMES * 2 * 4), indices: new SharedArrayBuffer(8) };
    this.ringSamples = new Float32Array(ring.samples);
    this.ringIndices = new Int32Array(ring.indices);
    this.node = new AudioWorkletNode(context, 'samspil-io', {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2], processorOptions: { frameSamples, ring },
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

  /** Tests: start or stop collecting what the worklet plays. */
  setTap(on) {
    this.tap = on ? { left: [], right: [] } : this.tap;
    this.node.port.postMessage({ type: 'tap', on });
  }

  setPeerMix(streamId, { gain, muted }) {
    const remote = this.streams.get(streamId);
    if (!remote) return;
    if (gain !== undefined) remote.gain = gain;
    if (muted !== undefined) remote.muted = muted;
  }

  /** Samples (per channel) waiting in the worklet's ring: the page's own playout cushion. */
  get ringQueuedSamples() {
    return this.#ringQueued();
  }

  /** Figures of one remote stream for its strip. */
  peerFigures(streamId) {
    const remote = this.streams.get(streamId);
    if (!remote) return undefined;
    const s = remote.jitter.stats;
    return { level: remote.level, received: s.received, lost: s.lost, concealed: s.concealed, jitterMs: s.jitterMs,
      bufferMs: s.meanBufferDelayMs, delayMs: remote.lastLatencyMs };
  }

  // ---- time --------------------------------------------------------------------------
  #contextFrameToLocalUs(contextFrame) {
    const stamp = this.context.getOutputTimestamp?.();
    if (stamp && stamp.performanceTime > 0)
      return (stamp.performanceTime + (contextFrame / 48000 - stamp.contextTime) * 1000) * 1000;
    return (performance.now() + (contextFrame / 48000 - this.context.currentTime) * 1000) * 1000;
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
    if (message.type === 'frame') return this.#onCapturedFrame(message.frame, message.firstContextFrame);
    if (message.type === 'tap' && this.tap) {
      this.tap.left.push(message.left);
      this.tap.right.push(message.right);
      this.underruns = message.underruns;
    }
  }

  #onCapturedFrame(frame, firstContextFrame) {
    if (this.firstContextFrame === undefined) {
      this.firstContextFrame = firstContextFrame;
      this.epochLocalUs = this.#contextFrameToLocalUs(firstContextFrame);
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
    if (this.session?.joined && this.encoder.state === 'configured') {
      this.pendingTimestamps.push(timestamp);
      this.encoder.encode(new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: frame.length,
        numberOfChannels: 1, timestamp: Math.round(timestamp * 1e6 / 48000), data: frame }));
    } else {
      this.stats.framesNotSent++;
      this.sequenceStart = true;  // the next packet sent starts a stream again
    }
    // The capture clock is the playout clock: this frame's end is "now" in audio time.
    this.#playoutTick(this.#contextFrameToLocalUs(firstContextFrame + frame.length));
  }

  #onEncoded(chunk) {
    const timestamp = this.pendingTimestamps.shift();
    if (timestamp === undefined || !this.session) return;
    const payload = new Uint8Array(chunk.byteLength);
    chunk.copyTo(payload);
    if (payload.length > protocol.MAX_OPUS_PAYLOAD_BYTES) return;
    this.sequence = ((this.sequence ?? 0) + 1) >>> 0;
    const flags = this.sequenceStart !== false ? protocol.FLAG_STREAM_START : 0;
    this.sequenceStart = false;
    if (this.session.sendMedia(protocol.encodeMediaPacket({ flags, sequence: this.sequence, timestamp, payload })))
      this.stats.framesSent++;
    else
      this.stats.framesNotSent++;
  }

  // ---- hear --------------------------------------------------------------------------
  /** Packets from the session (network arrival time in local µs). */
  receive(packets, arrivalUs) {
    for (const packet of packets) {
      const remote = this.#remote(packet.streamId, (packet.flags & protocol.FLAG_STEREO) !== 0);
      remote.jitter.insert({ sequence: packet.sequence, timestamp: packet.timestamp,
        samples: protocol.opusPacketSamples(packet.payload), payload: packet.payload.slice(),
        streamStart: (packet.flags & protocol.FLAG_STREAM_START) !== 0 }, arrivalUs);
    }
  }

  /** The room's participants: who sends which stream, and its epoch for latency. */
  setPeers(peers, selfStreamId) {
    const present = new Set();
    for (const peer of peers) {
      if (peer.stream_id === selfStreamId) continue;
      present.add(peer.stream_id);
      const remote = this.streams.get(peer.stream_id);
      if (remote) remote.epochServerUs = peer.stream?.epoch_server_us;
      else this.announced = { ...(this.announced ?? {}), [peer.stream_id]: peer.stream?.epoch_server_us };
    }
    for (const [id, remote] of this.streams)
      if (!present.has(id)) {
        if (remote.decoder.state !== 'closed') remote.decoder.close();
        this.streams.delete(id);
      }
  }

  #remote(streamId, stereo) {
    let remote = this.streams.get(streamId);
    if (remote) return remote;
    remote = { streamId, jitter: new JitterBuffer({ frameSamples: this.frameSamples }), gain: 1, muted: false, level: 0,
      stereo, slots: [], last: null, epochServerUs: this.announced?.[streamId], lastLatencyMs: undefined };
    remote.decoder = new AudioDecoder({
      output: (data) => this.#onDecoded(remote, data),
      error: () => { remote.slots = []; },
    });
    remote.decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: stereo ? 2 : 1 });
    this.streams.set(streamId, remote);
    return remote;
  }

  // One frame of the playout clock: every stream's jitter buffer decides for this frame's
  // slot; the slot goes to the worklet as soon as its decodes are back (WebCodecs decodes
  // asynchronously), or at once if the worklet is about to run dry.
  #playoutTick(nowUs) {
    this.tick = (this.tick ?? 0) + 1;
    this.nextFlush ??= this.tick;
    const slot = this.tick;
    this.mix[slot % MIX_SLOTS].fill(0);
    this.pendingDecodes ??= new Map();
    for (const remote of this.streams.values()) {
      const decision = remote.jitter.next(nowUs);
      if (decision.kind === 'packet') {
        if (decision.restart && remote.decoder.state === 'configured') remote.decoder.reset?.();
        if (remote.decoder.state !== 'configured')
          remote.decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: remote.stereo ? 2 : 1 });
        remote.slots.push({ slot, timestamp: decision.timestamp });
        this.pendingDecodes.set(slot, (this.pendingDecodes.get(slot) ?? 0) + 1);
        remote.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(decision.timestamp * 1e6 / 48000),
          data: decision.payload }));
      } else if (decision.kind === 'conceal' && remote.last) {
        // No PLC in WebCodecs: the last frame again, fading, so a lost packet is a dip, not a click.
        remote.last = remote.last.map((v) => v * 0.5);
        this.#mixInto(slot, remote, remote.last, undefined);
      }
    }
    this.#flushReady();
  }

  // Hands over, in order, every decided slot whose decodes are all back (or the oldest one
  // regardless when the worklet's ring runs low).
  #flushReady() {
    while (this.nextFlush <= this.tick) {
      const outstanding = this.pendingDecodes.get(this.nextFlush) ?? 0;
      if (outstanding > 0 && this.#ringQueued() >= RING_LOW_FRAMES) break;
      this.pendingDecodes.delete(this.nextFlush);
      this.#flush(this.nextFlush++);
    }
  }

  #ringQueued() {
    const write = Atomics.load(this.ringIndices, 0);
    const read = Atomics.load(this.ringIndices, 1);
    return (write - read + RING_FRAMES) % RING_FRAMES;
  }

  #onDecoded(remote, data) {
    const pending = remote.slots.shift();
    const frames = data.numberOfFrames;
    const left = new Float32Array(frames);
    const right = new Float32Array(frames);
    data.copyTo(left, { planeIndex: 0, format: 'f32-planar' });
    if (data.numberOfChannels > 1) data.copyTo(right, { planeIndex: 1, format: 'f32-planar' });
    else right.set(left);
    data.close();
    const stereo = new Float32Array(2 * frames);
    for (let i = 0; i < frames; i++) {
      stereo[2 * i] = left[i];
      stereo[2 * i + 1] = right[i];
    }
    remote.last = stereo;
    if (!pending) return;
    this.#mixInto(pending.slot, remote, stereo, pending.timestamp);
    const outstanding = (this.pendingDecodes.get(pending.slot) ?? 1) - 1;
    if (outstanding > 0) this.pendingDecodes.set(pending.slot, outstanding);
    else this.pendingDecodes.delete(pending.slot);
    this.#flushReady();
  }

  #mixInto(slot, remote, stereo, timestamp) {
    if (slot < this.nextFlush) return;  // decoded too late for its turn
    const target = this.mix[slot % MIX_SLOTS];
    let peak = 0;
    const gain = remote.muted ? 0 : remote.gain;
    const n = Math.min(target.length, stereo.length);
    for (let i = 0; i < n; i++) {
      peak = Math.max(peak, Math.abs(stereo[i]));
      target[i] += stereo[i] * gain;
    }
    remote.level = Math.max(peak, remote.level * 0.8);
    if (timestamp !== undefined) (this.slotTimestamps ??= new Map()).set(`${slot}:${remote.streamId}`, timestamp);
  }

  // The frame of `slot` into the worklet's ring; notes when it will be heard, for latency.
  #flush(slot) {
    const frame = this.mix[slot % MIX_SLOTS];
    const write = Atomics.load(this.ringIndices, 0);
    const read = Atomics.load(this.ringIndices, 1);
    const queued = (write - read + RING_FRAMES) % RING_FRAMES;
    const frames = frame.length / 2;
    if (queued + frames >= RING_FRAMES - 1) {
      this.stats.ringOverflows++;
      return;
    }
    for (let i = 0; i < frames; i++) {
      const at = (write + i) % RING_FRAMES;
      this.ringSamples[2 * at] = frame[2 * i];
      this.ringSamples[2 * at + 1] = frame[2 * i + 1];
    }
    Atomics.store(this.ringIndices, 0, (write + frames) % RING_FRAMES);
    // It is heard once the worklet has played what is queued before it.
    const playedUs = this.#contextFrameToLocalUs(Math.round(this.context.currentTime * 48000) + queued);
    if (!this.slotTimestamps || !this.session?.offsetUs) return;
    for (const remote of this.streams.values()) {
      const key = `${slot}:${remote.streamId}`;
      const timestamp = this.slotTimestamps.get(key);
      this.slotTimestamps.delete(key);
      if (timestamp === undefined || remote.epochServerUs === undefined) continue;
      remote.lastLatencyMs = protocol.mouthToEarMs(playedUs, remote.epochServerUs, this.session.offsetUs, timestamp);
      this.latencies.push(remote.lastLatencyMs);
      if (this.latencies.length > 20000) this.latencies.splice(0, 10000);
    }
  }
}
