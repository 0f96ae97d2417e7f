// The room's metronome in the page (docs/protocol.md, "The room's metronome"): the server's
// grid says beat k sounds at start_server_us + k·60/bpm s on its clock; each click is
// scheduled in the AudioContext so that it leaves the sound card then — server time to
// this page's clock through the session's clock offset, to the context's clock through
// getOutputTimestamp(), minus the output latency the browser reports, steadied by
// SteadyClockMap so that the clicks keep their spacing. Main thread: a timer schedules the
// clicks of the next second every 100 ms — a second, because a beat whose time has passed
// before it was scheduled is skipped (better than late), and a busy page's main thread
// (Firefox's especially) can stall for several hundred ms. Clicks scheduled for a grid that
// changes are taken back, so a new tempo is heard from its first beat.
import { SteadyClockMap } from './steady-clock-map.js';
import { outputLatencyS } from './output-latency.js';

const LOOKAHEAD_MS = 1000;
const TICK_MS = 100;
const GRID_FIELDS = ['start_server_us', 'bpm', 'beats_per_bar', 'accent'];

export class RoomMetronome {
  /** context: the room's AudioContext; offsetUs(): server clock − performance.now() in µs. */
  constructor(context, offsetUs) {
    Object.assign(this, { context, offsetUs });
    this.grid = undefined;
    this.level = 0.5;
    this.audible = true;
    this.nextBeat = undefined;
    this.clock = new SteadyClockMap();
    this.scheduled = [];  // {beat, serverUs, contextTime, rawContextTime} of recent clicks, for the tests
    this.pending = [];    // the clicks' nodes not yet played: {gain, when}
  }

  /** The server's `metronome` message (re-sent unchanged when, e.g., someone joins). */
  follow(message) {
    const grid = message.running ? message : undefined;
    if (grid && this.grid && GRID_FIELDS.every((f) => grid[f] === this.grid[f])) {
      this.grid = grid;  // the same grid: the clicks already scheduled stand
      return;
    }
    this.grid = grid;
    this.nextBeat = undefined;
    this.#takeBackPending();
    clearInterval(this.timer);
    if (this.grid) {
      this.timer = setInterval(() => this.schedule(), TICK_MS);
      this.schedule();
    }
  }

  stop() {
    this.follow({ running: false });
  }

  /** Measures now: the context time whose sound leaves the card at server time 0, in s. */
  #contextMinusServerS(offsetUs) {
    const stamp = this.context.getOutputTimestamp();
    const latency = outputLatencyS(this.context);
    return stamp.contextTime - (stamp.performanceTime / 1000 + offsetUs / 1e6) - latency;
  }

  schedule() {
    const grid = this.grid;
    if (!grid || this.context.state !== 'running') return;
    const offset = this.offsetUs();
    if (offset === undefined) return;
    const beatUs = 60e6 / grid.bpm;
    const nowServerUs = performance.now() * 1000 + offset;
    const measured = this.#contextMinusServerS(offset);
    this.clock.observe(measured);
    if (this.nextBeat === undefined) this.nextBeat = Math.max(0, Math.ceil((nowServerUs - grid.start_server_us) / beatUs));
    for (;;) {
      const serverUs = grid.start_server_us + this.nextBeat * beatUs;
      if (serverUs > nowServerUs + LOOKAHEAD_MS * 1000) break;
      const when = serverUs / 1e6 + this.clock.nextClick();
      if (when >= this.context.currentTime) {
        const accent = grid.accent !== false && this.nextBeat % grid.beats_per_bar === 0;
        if (this.audible && this.level > 0) this.#click(when, accent);
        this.scheduled.push({ beat: this.nextBeat, serverUs, contextTime: when, rawContextTime: serverUs / 1e6 + measured });
        if (this.scheduled.length > 64) this.scheduled.shift();
      }
      this.nextBeat += 1;
    }
  }

  #takeBackPending() {
    const now = this.context.currentTime;
    for (const { gain, when } of this.pending) if (when > now) gain.disconnect();
    this.pending = [];
  }

  // A short decaying sine, higher and louder on beat one (as the apps' metronome).
  #click(when, accent) {
    const tone = new OscillatorNode(this.context, { frequency: accent ? 1760 : 1320 });
    const gain = new GainNode(this.context, { gain: 0 });
    gain.gain.setValueAtTime((accent ? 1 : 0.6) * this.level, when);
    gain.gain.setTargetAtTime(0, when, 1 / 120);
    tone.connect(gain).connect(this.context.destination);
    const now = this.context.currentTime;
    this.pending = this.pending.filter((p) => p.when > now);
    this.pending.push({ gain, when });
    tone.start(when);
    tone.stop(when + 0.03);
  }
}
