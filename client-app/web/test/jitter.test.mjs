// The browser's jitter buffer under a simulated network, with the rules of shared/core's
// (docs/architecture.md): steady lines, loss, reordering, duplicates, rising jitter, a
// backlog before playout, a burst for a large block, a backlog after an outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, DelayEstimator } from '../js/jitter.js';

const FRAME_US = 5000;
const packet = (n, extra = {}) => ({ sequence: 1000 + n, timestamp: n * 240, samples: 240, payload: new Uint8Array([29 << 3]), ...extra });

// Sends `seconds` of 5 ms packets through a model, plays out at the receiver's frame rate.
function simulate({ seconds = 5, baseDelayUs = 2000, jitterUs = 0, loss = 0, swap = 0, duplicate = 0, seed = 7,
  jitterBySecond } = {}) {
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const arrivals = [];
  const count = Math.floor(seconds * 1e6 / FRAME_US);
  let dropped = 0;
  for (let n = 0; n < count; n++) {
    const sent = n * FRAME_US;
    const j = jitterBySecond ? jitterBySecond[Math.floor(sent / 1e6)] ?? jitterUs : jitterUs;
    let at = sent + baseDelayUs + Math.floor(random() * j);
    if (random() < loss) { dropped++; continue; }
    if (random() < swap) at += 1.5 * FRAME_US;
    arrivals.push({ at, n });
    if (random() < duplicate) arrivals.push({ at: at + Math.floor(random() * 30_000), n });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const buffer = new JitterBuffer();
  const played = [];
  const lastArrival = arrivals.length ? arrivals[arrivals.length - 1].at : 0;
  let concealments = 0;
  let maxTargetMs = 0;
  let next = 0;
  const waitBySecond = [];
  for (let tick = 1; tick * FRAME_US <= seconds * 1e6 + 200_000; tick++) {
    const now = tick * FRAME_US;
    while (next < arrivals.length && arrivals[next].at <= now) buffer.insert(packet(arrivals[next].n), arrivals[next++].at);
    const decision = buffer.next(now);
    if (decision.kind === 'packet') {
      played.push(decision.timestamp / 240);
      (waitBySecond[Math.floor(now / 1e6)] ??= []).push(buffer.stats.meanBufferDelayMs);
    } else if (decision.kind === 'conceal' && now <= lastArrival) concealments++;  // not the tail after the end
    maxTargetMs = Math.max(maxTargetMs, buffer.stats.targetDelayMs);
  }
  return { buffer, played, concealments, dropped, maxTargetMs };
}

test('a steady line plays everything in order with the least delay', () => {
  const { buffer, played, concealments } = simulate({ seconds: 3 });
  assert.equal(concealments, 0);
  assert.equal(played.length, 600);
  assert.ok(played.every((v, i) => i === 0 || v > played[i - 1]));
  assert.ok(buffer.stats.meanBufferDelayMs < 5.5, `buffer ${buffer.stats.meanBufferDelayMs} ms`);
});

test('lost packets are counted and concealed once each; reordering and duplicates cost nothing', () => {
  const { buffer, concealments, dropped, played } = simulate({ seconds: 10, loss: 0.02, swap: 0.02, duplicate: 0.02, jitterUs: 1000 });
  assert.ok(dropped > 20);
  assert.equal(buffer.stats.lost, dropped);
  assert.ok(concealments >= dropped && concealments <= dropped + 30, `${concealments} concealed for ${dropped} lost`);
  assert.ok(buffer.stats.duplicates > 0);
  assert.ok(played.every((v, i) => i === 0 || v > played[i - 1]), 'played in order');
});

test('the delay follows the jitter up and, after it calms, back down', () => {
  const jitterBySecond = [0, 0, 12000, 12000, 12000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const { buffer, maxTargetMs } = simulate({ seconds: 20, jitterBySecond });
  assert.ok(maxTargetMs > 8, `the target rose to ${maxTargetMs} ms`);
  assert.ok(buffer.stats.droppedToCatchUp > 0, 'frames given back once the jitter is gone');
  assert.ok(buffer.stats.targetDelayMs < 2, `target ${buffer.stats.targetDelayMs} ms at the end`);
});

test('a backlog that queued before playout started is skipped, not played late', () => {
  const buffer = new JitterBuffer();
  for (let n = 0; n < 12; n++) buffer.insert(packet(n), 1_000_000 + n * FRAME_US);
  const first = buffer.next(1_000_000 + 11 * FRAME_US + 1000);
  assert.equal(first.kind, 'packet');
  assert.ok(first.timestamp >= 10 * 240);
  assert.ok(buffer.stats.droppedToCatchUp >= 10);
});

test('packets that arrive together for one large block are all played', () => {
  const buffer = new JitterBuffer();
  for (let n = 0; n < 34; n++) buffer.insert(packet(n), 2_000_000);
  let played = 0;
  for (let n = 0; n < 34; n++) if (buffer.next(2_000_100).kind === 'packet') played++;
  assert.ok(played >= 32);
  assert.equal(buffer.stats.droppedToCatchUp, 0);
});

test('after an outage, the backlog that arrives in one burst is skipped at once, not played late for seconds', () => {
  // 5 ms frames arriving 2 ms after capture; the line is down from 1 s to 3 s, then all
  // 400 frames of the outage arrive together (TCP), then it is steady again.
  const buffer = new JitterBuffer();
  let sent = 0;
  let lastStaleUs = 0;
  for (let now = 0; now < 5_000_000; now += FRAME_US) {
    const down = now >= 1_000_000 && now < 3_000_000;
    while (!down && sent * FRAME_US + 2000 <= now) buffer.insert(packet(sent++), now);
    const decision = buffer.next(now + 100);
    if (decision.kind === 'packet' && now + 100 - (decision.timestamp / 240) * FRAME_US > 40_000) lastStaleUs = now;
  }
  assert.ok(sent >= 990);
  assert.ok(lastStaleUs < 3_080_000, `stale audio played until ${lastStaleUs} µs`);
  // The first 256 frames of the burst are past the buffer's capacity (a restart at the newest);
  // the rest are skipped in one step.
  assert.ok(buffer.stats.droppedToCatchUp >= 100);
  assert.ok(buffer.stats.depthPackets <= 2);
});

test('a backlog that trickles in over 600 ms late is dropped unplayed (stale), whatever its pace', () => {
  // As in shared/core's test: 2 s outage at 1 s, then the backlog comes back at twice real
  // time (TCP growing its window again), so no burst ever fills the buffer at once.
  const buffer = new JitterBuffer();
  let sent = 0;
  let oldestPlayedUs = 0;
  for (let now = 0; now < 8_000_000; now += FRAME_US) {
    const down = now >= 1_000_000 && now < 3_000_000;
    for (let k = 0; !down && k < (now < 3_000_000 ? 1000 : 2) && sent * FRAME_US + 2000 <= now; k++)
      buffer.insert(packet(sent++), now);
    const decision = buffer.next(now + 100);
    if (decision.kind === 'packet') oldestPlayedUs = Math.max(oldestPlayedUs, now + 100 - (decision.timestamp / 240) * FRAME_US);
  }
  assert.ok(buffer.stats.stale >= 300, `stale ${buffer.stats.stale}`);
  assert.ok(oldestPlayedUs < 700_000, `played audio ${oldestPlayedUs} µs old`);
});

// Packets captured every 5 ms of the sender's clock, which runs at `senderRate` of ours,
// arrive `transitUs(n)` after capture; playout every 5 ms for `seconds`. Returns packets played.
function playFromSender(buffer, seconds, senderRate, transitUs) {
  let sent = 0;
  let played = 0;
  for (let now = 0; now < seconds * 1e6; now += FRAME_US) {
    while (Math.floor(sent * FRAME_US / senderRate) + transitUs(sent) <= now) buffer.insert(packet(sent++), now);
    if (buffer.next(now + 100).kind === 'packet') played++;
  }
  return played;
}

test('a sender whose sound card runs a fifth slower than our clock is played, not dropped as stale', () => {
  const buffer = new JitterBuffer();
  const played = playFromSender(buffer, 10, 0.8, () => 2000);
  assert.equal(buffer.stats.stale, 0);
  assert.ok(played >= 1550, `played ${played}`);  // 8 s of the sender's audio in 10 s: 1600 packets
});

test('a stream that is 800 ms slower for good (a longer route) plays again within about a second', () => {
  const buffer = new JitterBuffer();
  const played = playFromSender(buffer, 8, 1, (n) => (n < 400 ? 2000 : 802_000));
  assert.ok(buffer.stats.stale > 0 && buffer.stats.stale <= 230, `stale ${buffer.stats.stale}`);
  assert.ok(played >= 1600 - 160 - 230 - 20, `played ${played}`);
});

test('the delay estimator: least transit as baseline, one stray stall ignored, a recurring one learnt', () => {
  const estimator = new DelayEstimator();
  for (let n = 0; n < 400; n++) estimator.addPacket(n * FRAME_US + 3000 + (n === 100 ? 20_000 : 0), n * FRAME_US);
  assert.equal(estimator.baselineUs, 3000);
  assert.equal(estimator.peakDelayUs(2_000_000), 0);  // one stall: not the second-largest
  estimator.addPacket(2_100_000 + 3000 + 15_000, 2_100_000);
  assert.equal(estimator.peakDelayUs(2_200_000), 15_000);
});
