// The browser's protocol module against docs/protocol.md: media packets byte for byte,
// control messages, the server's messages, backoff, clock and latency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as p from '../js/protocol.js';

test('a media packet is the 14-byte header of protocol.md, big-endian, then the Opus payload', () => {
  const payload = new Uint8Array([0xe8, 1, 2, 3]);
  const bytes = p.encodeMediaPacket({ flags: p.FLAG_STEREO | p.FLAG_STREAM_START, sequence: 0x01020304,
    timestamp: 0xa0b0c0d0, payload });
  assert.deepEqual([...bytes], [1, 3, 0, 0, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 0, 4, 0xe8, 1, 2, 3]);
  const parsed = p.parseMediaMessage(bytes);
  assert.equal(parsed.packets.length, 1);
  assert.equal(parsed.packets[0].sequence, 0x01020304);
  assert.equal(parsed.packets[0].timestamp, 0xa0b0c0d0);
  assert.equal(parsed.packets[0].flags, 3);
  assert.deepEqual([...parsed.packets[0].payload], [0xe8, 1, 2, 3]);
});

test('a coalesced frame yields every packet; one bad packet refuses the whole frame', () => {
  const packets = [1, 2, 3].map((n) => ({ streamId: 7, sequence: n, timestamp: n * 240, payload: new Uint8Array(n * 10).fill(n) }));
  const message = p.encodeMediaMessage(packets);
  const parsed = p.parseMediaMessage(message);
  assert.deepEqual(parsed.packets.map((x) => [x.streamId, x.sequence, x.payload.length]), [[7, 1, 10], [7, 2, 20], [7, 3, 30]]);
  assert.ok(p.parseMediaMessage(message.subarray(0, message.length - 1)).error);  // truncated
  const wrongVersion = message.slice();
  wrongVersion[14 + 10] = 2;  // the second packet's version byte
  assert.match(p.parseMediaMessage(wrongVersion).error, /version/);
  const zeroLength = p.encodeMediaPacket({ sequence: 1, timestamp: 1, payload: new Uint8Array(1) });
  zeroLength[13] = 0;
  assert.ok(p.parseMediaMessage(zeroLength).error);
  assert.ok(p.parseMediaMessage(new Uint8Array(0)).error);
  assert.match(p.parseMediaMessage(message, 2).error, /too many/);
  assert.throws(() => p.encodeMediaPacket({ sequence: 1, timestamp: 1, payload: new Uint8Array(1276) }));
});

test('random bytes never throw: a frame either parses or says why not', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 2000; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 64)).map(() => Math.floor(random() * 256));
    if (random() < 0.5 && bytes.length > 0) bytes[0] = 1;
    const result = p.parseMediaMessage(bytes);
    assert.ok(result.packets || result.error);
  }
});

test('control messages carry v:1 and the fields protocol.md names', () => {
  assert.deepEqual(JSON.parse(p.join({ room: 'klaver-1', name: 'Ida', invite: 'ABCD' })),
    { v: 1, type: 'join', room: 'klaver-1', name: 'Ida', invite: 'ABCD' });
  assert.deepEqual(JSON.parse(p.ping(7, 1234.6)), { v: 1, type: 'ping', id: 7, client_us: 1235 });
  assert.deepEqual(JSON.parse(p.streamInfo({ channels: 1, frameSamples: 240, epochServerUs: 5e6 })),
    { v: 1, type: 'stream', channels: 1, frame_samples: 240, epoch_server_us: 5000000 });
  assert.deepEqual(JSON.parse(p.mute(3, true)), { v: 1, type: 'mute', participant_id: 3, muted: true });
  assert.deepEqual(JSON.parse(p.handOver(4)), { v: 1, type: 'hand_over', participant_id: 4 });
  assert.deepEqual(JSON.parse(p.record(true)), { v: 1, type: 'record', on: true });
  assert.deepEqual(JSON.parse(p.record(true, true)), { v: 1, type: 'record', on: true, take: true });
});

test("the server's messages are checked for the fields a client relies on", () => {
  const welcome = '{"v":1,"type":"welcome","participant_id":5,"stream_id":9,"room":"r","server_us":1,"role":"student","extra":1}';
  assert.equal(p.parseServerMessage(welcome).message.stream_id, 9);
  assert.match(p.parseServerMessage('{"v":1,"type":"welcome","participant_id":5}').error, /stream_id/);
  assert.match(p.parseServerMessage('{"v":2,"type":"pong"}').error, /version/);
  assert.match(p.parseServerMessage('not json').error, /JSON/);
  assert.match(p.parseServerMessage('{"v":1,"type":"surprise"}').error, /unknown/);
  const error = p.parseServerMessage('{"v":1,"type":"error","code":"room_locked","message":"Låst.","fatal":true}');
  assert.ok(p.FINAL_ERRORS.has(error.message.code));
  assert.ok(!p.FINAL_ERRORS.has('server_shutting_down'));
});

test('backoff: 250 ms, 0.5, 1, 2, 4, then every 5 s, each plus up to 20 %', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((a) => p.backoffDelayMs(a, 0)), [250, 500, 1000, 2000, 4000, 5000, 5000]);
  assert.equal(p.backoffDelayMs(0, 0.999), 299);
});

test('clock offset from the least disturbed round trip; mouth to ear as protocol.md defines it', () => {
  const clock = new p.ClockSync();
  assert.equal(clock.offsetUs, undefined);
  clock.addSample(10_000, 1_010_100, 10_200);
  clock.addSample(20_000, 1_025_000, 30_000);  // slow and lopsided: ignored
  assert.equal(clock.offsetUs, 1_000_000);
  // Epoch 10 s on the server, offset 2 s: timestamp 480 was captured at local 8 s + 7.5 ms.
  assert.equal(p.mouthToEarMs(8_020_000, 10_000_000, 2_000_000, 480), 12.5);
});

test('samples per Opus packet from the TOC byte (CELT fullband 2.5 to 20 ms)', () => {
  assert.deepEqual([28, 29, 30, 31].map((config) => p.opusPacketSamples(new Uint8Array([config << 3]))), [120, 240, 480, 960]);
  assert.equal(p.opusPacketSamples(new Uint8Array([(29 << 3) | 1])), 480);  // two frames
  assert.equal(p.opusPacketSamples(new Uint8Array([(29 << 3) | 3, 3])), 720);  // three frames
  assert.equal(p.opusPacketSamples(new Uint8Array([])), 0);
});

test('the media twin message, and second copies of a sequence recognised (the last 256 remembered)', () => {
  assert.deepEqual(JSON.parse(p.mediaTwin(3735928559, 'a2V5')), { v: 1, type: 'media_twin', session: 3735928559, key: 'a2V5' });
  const seen = new p.RecentSequences(4);
  for (const sequence of [10, 11, 12]) seen.add(sequence);
  assert.ok(seen.has(11));
  assert.ok(!seen.has(13));
  for (const sequence of [13, 14]) seen.add(sequence);
  assert.ok(!seen.has(10), 'forgotten once four newer ones came');
  assert.ok(seen.has(14));
  seen.clear();
  assert.ok(!seen.has(14));
});
