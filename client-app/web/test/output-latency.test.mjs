// The page reads AudioContext.outputLatency seldom (js/output-latency.js): in Firefox each read
// can be a locked, synchronous call into the audio server, and one froze the page. A stand-in
// context counts the reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputLatencyS, REFRESH_MS, ZEROS_BEFORE_GIVING_UP } from '../js/output-latency.js';

function standIn(state, outputLatency, baseLatency = 0.005) {
  const context = { state, baseLatency, reads: 0 };
  Object.defineProperty(context, 'outputLatency', { get() { context.reads++; return outputLatency(); } });
  return context;
}

test('a card that reports its latency: read once and then every 10 s, not on every call', () => {
  let latency = 0.02;
  const context = standIn('running', () => latency);
  for (let ms = 0; ms < 30_000; ms += 250) {  // the worklet's report, four times a second, for 30 s
    const s = outputLatencyS(context, ms);
    assert.ok(Math.abs(s - (ms < REFRESH_MS ? 0.025 : s)) < 1e-9);
    if (ms === 12_000) latency = 0.03;  // another device: seen at the next refresh
  }
  assert.equal(context.reads, 3);
  assert.ok(Math.abs(outputLatencyS(context, 30_000) - 0.035) < 1e-9, 'the new device\'s latency is used');
});

test('a device that reports no latency: asked three times, then never again', () => {
  const context = standIn('running', () => 0);
  for (let ms = 0; ms < 120_000; ms += 250) assert.equal(outputLatencyS(context, ms), 0.005);
  assert.equal(context.reads, ZEROS_BEFORE_GIVING_UP);
});

test('a context that does not run yet is not asked', () => {
  const context = standIn('suspended', () => 0.02);
  assert.equal(outputLatencyS(context, 0), 0.005);
  assert.equal(context.reads, 0);
  context.state = 'running';
  assert.ok(Math.abs(outputLatencyS(context, 100) - 0.025) < 1e-9);
  assert.equal(context.reads, 1);
});
