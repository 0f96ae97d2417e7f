// VideoSender: this page's camera into the room. The camera (or, with ?camera=test-pattern,
// the test pattern drawn on a canvas) is sampled 30 times a second; each layer the room
// wants (video_demand) is drawn at its step's size and encoded with WebCodecs' VP8 in
// real-time mode, and the frames go out on the video WebSocket. Once a second the line's
// figures move the step (video-ladder.js); when even the lowest would hurt the audio, video
// pauses and the room is told. The browser asks for the camera only when it is turned on,
// and lets it go when it is turned off. Main thread.
import { drawPattern } from './test-pattern.js';
import { HIGHEST_SMALL_STEP, LADDER, RateController, RecentMinimum, SMALL_LAYER, UPLINK_STRAIN_MS } from './video-ladder.js';
import { camera as cameraMessage, encodeVideoFrame } from './video-wire.js';

// A keyframe at least this often besides those asked for (a receiver that lost one asks at
// once): each is a burst on the upload, in front of the audio.
const KEYFRAME_EVERY_MS = 10000;
const SOURCE = { width: 1280, height: 720, framesPerSecond: 30 };

export class VideoSender {
  /**
   * session: session.js's (control, clock); link: video-link.js's; audioStats(): the audio's
   * figures ({framesNotSent}); testPattern: film the test pattern instead of a camera.
   */
  constructor({ session, link, audioStats, testPattern = false, highestStep = LADDER.length - 1 }) {
    this.session = session;
    this.link = link;
    this.audioStats = audioStats;
    this.testPattern = testPattern;
    this.rate = new RateController(0, highestStep);
    this.demand = { layers: [], keyframe: [] };
    this.layers = new Map();  // 'small' | 'large' → {encoder, step, frameNumber, lastEncodedMs, lastKeyMs, canvas}
    this.on = false;
    this.announced = 'off';
    this.stats = { captured: 0, encoded: { small: 0, large: 0 }, keyframes: 0, bytes: 0, skipped: 0, pauses: 0,
      stepChanges: 0, encodeErrors: 0 };
    this.frame = 0;
    this.rttBaseline = new RecentMinimum();
    this.receiverDelayBaseline = new RecentMinimum();
  }

  /** What one's own tile shows: the camera's <video>, or the pattern's canvas. */
  get previewElement() {
    return this.source?.element;
  }
  get step() {
    return this.on ? this.rate.step : -1;
  }

  /** Turns the camera on (asking the browser for it) or off (letting it go). */
  async setOn(on) {
    if (on === this.on) return;
    if (!on) {
      this.on = false;
      this.#stop();
      this.#announce('off');
      return;
    }
    this.source = this.testPattern ? this.#patternSource() : await this.#cameraSource();
    this.on = true;
    this.rate = new RateController(0, this.rate.highest);
    this.nextAdaptMs = performance.now() + 1000;
    this.timer = setInterval(() => this.#tick(), 1000 / SOURCE.framesPerSecond);
    this.#announce('on');
  }

  /** The server's video_demand. */
  onDemand(m) {
    this.demand = m;
    if ((m.uplink_queue_ms ?? 0) >= UPLINK_STRAIN_MS) this.nextAdaptMs = 0;  // our upload queues: now, not at the second's end
    for (const layer of m.keyframe ?? []) {
      const state = this.layers.get(layer);
      if (state) state.keyframeOwed = true;
    }
  }

  /** A welcome: the room is new to us, so is our camera to it. */
  onWelcome() {
    this.demand = { layers: [], keyframe: [] };
    this.announced = undefined;
    this.#announce(this.on ? (this.rate.paused ? 'paused' : 'on') : 'off');
  }

  #announce(state) {
    if (state === this.announced || !this.session.joined) return;
    this.announced = state;
    this.session.sendControl(cameraMessage(state));
  }

  async #cameraSource() {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: SOURCE.width },
      height: { ideal: SOURCE.height }, frameRate: { ideal: SOURCE.framesPerSecond } }, audio: false });
    const element = document.createElement('video');
    element.muted = true;
    element.playsInline = true;
    element.srcObject = stream;
    await element.play();
    return { element, stream, draw: () => element };
  }

  #patternSource() {
    const element = document.createElement('canvas');
    element.width = SOURCE.width;
    element.height = SOURCE.height;
    const context = element.getContext('2d');
    return { element, draw: (captureServerUs) => {
      drawPattern(context, SOURCE.width, SOURCE.height, this.frame, captureServerUs);
      return element;
    } };
  }

  #stop() {
    clearInterval(this.timer);
    for (const track of this.source?.stream?.getTracks() ?? []) track.stop();  // the camera's light goes out
    this.source = undefined;
    for (const state of this.layers.values()) if (state.encoder.state !== 'closed') state.encoder.close();
    this.layers.clear();
  }

  #tick() {
    const nowMs = performance.now();
    if (nowMs >= this.nextAdaptMs) this.#adapt(nowMs);
    const offsetUs = this.session.offsetUs;
    if (offsetUs === undefined || !this.source) return;
    const captureServerUs = Math.round(nowMs * 1000 + offsetUs);
    const picture = this.source.draw(captureServerUs);
    this.frame++;
    this.stats.captured++;
    if (this.rate.paused) return this.#announce('paused');
    this.#announce('on');
    const wants = new Set(this.demand.layers ?? []);
    const step = LADDER[this.rate.step];
    if (wants.has('large')) this.#encode('large', step, picture, captureServerUs, nowMs);
    if (wants.has('small'))
      this.#encode('small', wants.has('large') ? SMALL_LAYER : LADDER[Math.min(this.rate.step, HIGHEST_SMALL_STEP)],
        picture, captureServerUs, nowMs);
  }

  #encode(layer, step, picture, captureServerUs, nowMs) {
    let state = this.layers.get(layer);
    if (state && state.step.name !== step.name) {
      if (state.encoder.state !== 'closed') state.encoder.close();
      state = undefined;  // a new size starts again, with a keyframe
    }
    if (!state) state = this.#makeLayer(layer, step);
    if (!state.keyframeOwed && nowMs - state.lastEncodedMs < 1000 / step.framesPerSecond - 8) return;
    // The encoder or the socket still busy with earlier frames: this one would only be late.
    if (state.encoder.state !== 'configured' || state.encoder.encodeQueueSize > 1
      || this.link.bufferedAmount > 256 * 1024) {
      this.stats.skipped++;
      return;
    }
    state.lastEncodedMs = nowMs;
    state.context.drawImage(picture, 0, 0, step.width, step.height);
    const frame = new VideoFrame(state.canvas, { timestamp: captureServerUs });
    const keyFrame = state.keyframeOwed || nowMs - state.lastKeyMs >= KEYFRAME_EVERY_MS;
    if (keyFrame) {
      state.keyframeOwed = false;
      state.lastKeyMs = nowMs;
    }
    state.encoder.encode(frame, { keyFrame });
    frame.close();
  }

  #makeLayer(layer, step) {
    const canvas = new OffscreenCanvas(step.width, step.height);
    const state = { step, frameNumber: 0, lastEncodedMs: 0, lastKeyMs: 0, keyframeOwed: true, canvas,
      context: canvas.getContext('2d') };
    state.encoder = new VideoEncoder({
      output: (chunk) => this.#send(layer, state, chunk),
      error: () => { this.stats.encodeErrors++; },
    });
    state.encoder.configure({ codec: 'vp8', width: step.width, height: step.height, bitrate: step.bitrateKbps * 1000,
      framerate: step.framesPerSecond, latencyMode: 'realtime', bitrateMode: 'constant' });
    this.layers.set(layer, state);
    return state;
  }

  #send(layer, state, chunk) {
    const payload = new Uint8Array(chunk.byteLength);
    chunk.copyTo(payload);
    const keyframe = chunk.type === 'key';
    const bytes = encodeVideoFrame({ keyframe, layer, framesPerSecond: state.step.framesPerSecond,
      width: state.step.width, height: state.step.height, frameNumber: state.frameNumber++,
      captureServerUs: chunk.timestamp, payload });
    if (!this.link.send(bytes)) {
      // Not sent: the receivers would miss a frame the next ones need — start again from a keyframe.
      state.keyframeOwed = true;
      return;
    }
    this.stats.encoded[layer]++;
    this.stats.bytes += bytes.length;
    if (keyframe) this.stats.keyframes++;
  }

  // Once a second: the line's figures move the step.
  #adapt(nowMs) {
    this.nextAdaptMs = nowMs + 1000;
    const step = LADDER[Math.max(0, this.rate.step)];
    const notSent = this.audioStats().framesNotSent;
    const skipped = this.link.counters.framesSkipped + this.stats.skipped;
    // A queue filling on the way shows as delay before anything is lost: the server's measure
    // of our audio's arrival, our own ping's round trip, our pictures' delay at the slowest receiver.
    const nowUs = nowMs * 1000;
    const rttMs = (this.session.clock.lastRoundTripUs ?? 0) / 1000;
    const queueingDelayMs = Math.max(rttMs > 0 ? this.rttBaseline.excess(rttMs, nowUs) : 0,
      this.demand.worst_delay_ms ? this.receiverDelayBaseline.excess(this.demand.worst_delay_ms, nowUs) : 0);
    const signals = {
      queueingDelayMs,
      uplinkQueueMs: this.demand.uplink_queue_ms ?? 0,
      worstLossPercent: this.demand.worst_loss_percent ?? 0,
      worstDelayMs: this.demand.worst_delay_ms ?? 0,
      droppedByServer: this.demand.dropped_frames ?? 0,
      sendBacklogUs: (this.link.bufferedAmount * 8 * 1e6) / (step.bitrateKbps * 1000)
        + (skipped > (this.lastSkipped ?? 0) + 2 ? 1e6 : 0),
      audioStrained: notSent > (this.lastNotSent ?? notSent) + 2,
    };
    this.lastNotSent = notSent;
    this.lastSkipped = skipped;
    const before = this.rate.step;
    const wasPaused = this.rate.paused;
    this.rate.update(signals, nowMs * 1000);
    if (this.rate.step !== before) this.stats.stepChanges++;
    if (this.rate.paused && !wasPaused) this.stats.pauses++;
    if (this.rate.paused !== wasPaused) this.#announce(this.rate.paused ? 'paused' : 'on');
  }
}
