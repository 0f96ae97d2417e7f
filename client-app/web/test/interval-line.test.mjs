// The page's interval-mode delay line (as the apps'): audio back by media timestamp, across
// the 32-bit wrap; silence for gaps, for what is too old and after clear().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntervalLine, CAPACITY_FRAMES } from '../js/interval-line.js';

const block = (n, f = (i) => i / 200) => {
  const b = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) b[2 * i] = b[2 * i + 1] = f(i);
  return b;
};
const read = (line, timestamp, n = 100) => {
  const left = new Float32Array(n), right = new Float32Array(n);
  line.readInto(left, right, 0, n, timestamp, 1);
  return left;
};

test('audio comes back by its media timestamp, and silence for what never came', () => {
  const line = new IntervalLine();
  const start = 0xffffff00;  // across the wrap of media timestamps
  line.write(block(100), 0, 100, start);
  const back = read(line, start);
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(back[i] - i / 200) < 1e-4);
  const earlier = read(line, (start - 50) >>> 0);
  assert.equal(earlier[49], 0);
  assert.ok(Math.abs(earlier[99] - 49 / 200) < 1e-4);
  // A gap: silence there, not a lap-old echo; concealment without a timestamp follows on.
  line.write(block(100), 0, 100, (start + 1100) >>> 0);
  assert.ok(read(line, (start + 500) >>> 0).every((v) => v === 0));
  line.write(block(100), 0, 100, undefined);
  assert.ok(Math.abs(read(line, (start + 1200) >>> 0)[99] - 99 / 200) < 1e-4);
  // Part of a source block, from an offset (what the worklet writes as it plays).
  line.write(block(100, (i) => -i / 400), 40, 20, (start + 1300) >>> 0);
  assert.ok(Math.abs(read(line, (start + 1300) >>> 0)[0] - -40 / 400) < 1e-4);
  // Too old: silence. After clear(): nothing of the stream before.
  line.write(block(100), 0, 100, (start + 1320 + CAPACITY_FRAMES - 50) >>> 0);
  assert.equal(read(line, (start + 1100) >>> 0)[10], 0);
  line.clear();
  assert.ok(read(line, (start + 1320 + CAPACITY_FRAMES - 50) >>> 0).every((v) => v === 0));
});
