// The page's room metronome against a stand-in AudioContext (Node has none): which clicks it
// schedules when its timer stalls, when the grid is re-sent unchanged, and when the tempo
// changes (the old grid's clicks are taken back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomMetronome } from '../js/room-metronome.js';

// A context whose clock is performance.now() itself, with no output latency.
function fakeContext() {
  const context = {
    state: 'running',
    destination: {},
    baseLatency: 0,
    outputLatency: 0,
    get currentTime() { return performance.now() / 1000; },
    getOutputTimestamp() { const now = performance.now(); return { contextTime: now / 1000, performanceTime: now }; },
    clicks: [],
  };
  globalThis.GainNode = class {
    constructor() { this.gain = { setValueAtTime: () => {}, setTargetAtTime: () => {} }; this.connected = true; }
    connect(next) { return next; }
    disconnect() { this.connected = false; }
  };
  globalThis.OscillatorNode = class {
    constructor(_context, { frequency }) { this.frequency = frequency; }
    connect(gain) { this.gain = gain; return gain; }
    start(when) { context.clicks.push({ when, gain: this.gain, accent: this.frequency === 1760 }); }
    stop() {}
  };
  return context;
}

const grid = (bpm, startUs) => ({ running: true, bpm, beats_per_bar: 4, accent: true, start_server_us: startUs });
const nowUs = () => performance.now() * 1000;  // server clock = page clock here (offset 0)

test('clicks a second ahead: a main thread stalled for 600 ms loses no beat', () => {
  const context = fakeContext();
  const metronome = new RoomMetronome(context, () => 0);
  metronome.follow(grid(120, nowUs() + 50_000));
  clearInterval(metronome.timer);  // ticks by hand below
  const first = metronome.scheduled.length;
  assert.ok(first >= 2, `a second's clicks at once (${first})`);
  const until = performance.now() + 600;
  while (performance.now() < until) { /* the stall */ }
  metronome.schedule();
  const beats = metronome.scheduled.map((s) => s.beat);
  assert.deepEqual(beats, beats.map((_, i) => beats[0] + i), 'consecutive beats');
  metronome.stop();
});

test('the same grid re-sent keeps its clicks; a new tempo takes the old clicks back', () => {
  const context = fakeContext();
  const metronome = new RoomMetronome(context, () => 0);
  const start = nowUs() + 100_000;
  metronome.follow(grid(120, start));
  clearInterval(metronome.timer);
  const scheduled = context.clicks.length;
  metronome.follow(grid(120, start));  // e.g. re-sent when someone joins
  assert.equal(context.clicks.length, scheduled, 'nothing scheduled twice');
  assert.ok(context.clicks.every((c) => c.gain.connected));

  metronome.follow(grid(90, start));
  clearInterval(metronome.timer);
  const old = context.clicks.slice(0, scheduled);
  const now = context.currentTime;
  assert.ok(old.filter((c) => c.when > now).every((c) => !c.gain.connected), 'the old tempo\'s future clicks are silent');
  const fresh = context.clicks.slice(scheduled);
  assert.ok(fresh.length >= 1, 'the new tempo\'s clicks');
  for (let i = 1; i < fresh.length; i++) assert.ok(Math.abs(fresh[i].when - fresh[i - 1].when - 60 / 90) < 0.001);
  metronome.stop();
  assert.ok(context.clicks.filter((c) => c.when > context.currentTime).every((c) => !c.gain.connected), 'stopped: silent');
});
