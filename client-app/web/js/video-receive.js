// VideoReceiver: the others' video in this page. Each sender's layer has a WebCodecs VP8
// decoder; a frame missing from its sequence (or a decoder error) means waiting for a
// keyframe — asked for, and frames until then skipped. Decoded pictures are drawn on the
// sender's tile (tileFor) and closed at once. Once a second each sender hears how its
// video arrives here (video_report). With `measure` on, the capture time is also read from
// the test pattern in the picture's pixels: glass to glass, for the tests and figures.
// Main thread.
import { edge, readTime } from './test-pattern.js';
import { keyframeRequest, videoReport } from './video-wire.js';

const ASK_AGAIN_AFTER_MS = 300;
const MAX_SAMPLES = 20000;

export class VideoReceiver {
  /**
   * session: session.js's; tileFor(streamId, layer): the canvas to draw on, or undefined when
   * that sender's layer is not shown (then the picture is dropped); audioTotals(): the others'
   * audio so far ({received, concealed}) — what this page had to conceal is its line's loss.
   */
  constructor({ session, tileFor, audioTotals = () => ({ received: 0, concealed: 0 }) }) {
    this.session = session;
    this.tileFor = tileFor;
    this.audioTotals = audioTotals;
    this.lastAudio = audioTotals();
    this.decoding = new Map();  // `${stream}/${layer}` → state
    this.figures = new Map();   // stream → {decoded, lost, skipped, keyframes, keyframesAsked, glassToGlassMs, delayMs, lastAtMs, width, height}
    this.measure = false;
    this.reportTimer = setInterval(() => this.#report(), 1000);
  }

  stop() {
    clearInterval(this.reportTimer);
    for (const state of this.decoding.values()) if (state.decoder.state !== 'closed') state.decoder.close();
    this.decoding.clear();
  }

  figuresOf(streamId) {
    let f = this.figures.get(streamId);
    if (!f) {
      f = { decoded: 0, lost: 0, skipped: 0, keyframes: 0, keyframesAsked: 0, glassToGlassMs: [], delayMs: [],
        lastAtMs: 0, width: 0, height: 0 };
      this.figures.set(streamId, f);
    }
    return f;
  }

  /** A parsed frame from the video WebSocket. */
  onFrame(frame) {
    const key = `${frame.streamId}/${frame.layer}`;
    let state = this.decoding.get(key);
    if (!state || state.decoder.state === 'closed') {
      state = this.#makeDecoder(frame.streamId, frame.layer);
      this.decoding.set(key, state);
    }
    const figures = this.figuresOf(frame.streamId);
    // A gap that ends in a keyframe is the server restarting us on purpose (after dropping
    // what went stale), not the line losing frames.
    if (state.lastFrame !== undefined && frame.frameNumber !== ((state.lastFrame + 1) >>> 0) && !frame.keyframe) {
      const missing = (frame.frameNumber - state.lastFrame - 1) >>> 0;
      if (missing < 1000) state.lost += missing;
      state.awaitingKeyframe = true;
      // Loss on our line: say so now, not at the second's end (the server holds video back at once).
      if (state.lost >= 2 && performance.now() - state.reportedMs >= 250) this.#reportOne(frame.streamId, frame.layer, state);
    }
    state.lastFrame = frame.frameNumber;
    if (frame.keyframe) state.awaitingKeyframe = false;
    if (state.awaitingKeyframe) {
      figures.skipped++;
      if (performance.now() - state.askedMs >= ASK_AGAIN_AFTER_MS) {
        state.askedMs = performance.now();
        figures.keyframesAsked++;
        this.session.sendControl(keyframeRequest(frame.streamId, frame.layer));
      }
      return;
    }
    if (frame.keyframe) figures.keyframes++;
    state.decoder.decode(new EncodedVideoChunk({ type: frame.keyframe ? 'key' : 'delta', timestamp: frame.captureServerUs,
      data: frame.payload }));
  }

  #makeDecoder(streamId, layer) {
    const state = { lastFrame: undefined, awaitingKeyframe: true, askedMs: -Infinity, received: 0, lost: 0, delays: [],
      reportedMs: 0 };
    state.decoder = new VideoDecoder({
      output: (picture) => this.#show(streamId, layer, state, picture),
      error: () => {
        // A decoder that failed is closed: the next frame makes a new one, from a keyframe.
        state.lost++;
        state.awaitingKeyframe = true;
      },
    });
    state.decoder.configure({ codec: 'vp8', optimizeForLatency: true });
    return state;
  }

  #show(streamId, layer, state, picture) {
    try {
      const readyMs = performance.now();
      state.received++;
      const offsetUs = this.session.offsetUs;
      const serverNowUs = offsetUs === undefined ? undefined : readyMs * 1000 + offsetUs;
      if (serverNowUs !== undefined) state.delays.push((serverNowUs - picture.timestamp) / 1000);
      const canvas = this.tileFor(streamId, layer);
      if (!canvas) return;
      const width = picture.displayWidth;
      const height = picture.displayHeight;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      const context = canvas.getContext('2d', { willReadFrequently: this.measure });
      context.drawImage(picture, 0, 0);
      const figures = this.figuresOf(streamId);
      figures.decoded++;
      figures.lastAtMs = readyMs;
      figures.width = width;
      figures.height = height;
      if (serverNowUs !== undefined && figures.delayMs.length < MAX_SAMPLES)
        figures.delayMs.push((serverNowUs - picture.timestamp) / 1000);
      if (this.measure && serverNowUs !== undefined) {
        const band = context.getImageData(0, 0, width, edge(width, 3)).data;
        const captured = readTime(band, width, serverNowUs);
        if (captured !== undefined && figures.glassToGlassMs.length < MAX_SAMPLES) {
          const ms = (serverNowUs - captured) / 1000;
          if (ms >= 0 && ms < 10000) figures.glassToGlassMs.push(ms);
        }
      }
    } finally {
      picture.close();
    }
  }

  #report() {
    // The share of the others' audio concealed since the last report: a page's line's loss
    // (on WebSockets nothing is lost outright; it comes too late, and is concealed).
    const audio = this.audioTotals();
    const received = audio.received - this.lastAudio.received;
    const concealed = audio.concealed - this.lastAudio.concealed;
    this.lastAudio = audio;
    this.lineLossPercent = received + concealed > 0 ? Math.round((100 * concealed) / (received + concealed)) : 0;
    for (const [key, state] of this.decoding) {
      if (state.received === 0 && state.lost === 0) continue;
      const [stream, layer] = key.split('/');
      this.#reportOne(Number(stream), layer, state);
    }
  }

  #reportOne(streamId, layer, state) {
    const delays = state.delays.sort((a, b) => a - b);
    this.session.sendControl(videoReport({ streamId, layer, framesReceived: state.received, framesLost: state.lost,
      delayMs: delays.length ? delays[Math.floor(delays.length / 2)] : 0, lineLossPercent: this.lineLossPercent ?? 0 }));
    this.figuresOf(streamId).lost += state.lost;
    state.received = 0;
    state.lost = 0;
    state.delays = [];
    state.reportedMs = performance.now();
  }
}
