// The page's video modules in Node: the frame header (as docs/protocol.md gives it), the
// ladder's rate controller (the same cases as the C++ one), which layer to ask of whom, and
// the test pattern's time code read back from pixels drawn the way a canvas draws them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bitsOf, blockOf, drawPattern, readTime } from '../js/test-pattern.js';
import { RateController } from '../js/video-ladder.js';
import { chooseLayers } from '../js/video.js';
import { encodeVideoFrame, parseVideoFrame, videoReport, videoSubscribe } from '../js/video-wire.js';

test('a video frame round-trips, and every bad header value is refused', () => {
  const payload = new Uint8Array(500).fill(7);
  const bytes = encodeVideoFrame({ keyframe: true, layer: 'large', framesPerSecond: 30, width: 1280, height: 720,
    frameNumber: 4_000_000_000, captureServerUs: 1_234_567_890_123, payload });
  assert.equal(bytes.length, 524);
  // The layout of docs/protocol.md: version, flags, layer, fps, stream, width, height.
  assert.deepEqual([...bytes.subarray(0, 10)], [1, 1, 1, 30, 0, 0, 5, 0, 2, 208]);
  const { frame } = parseVideoFrame(bytes);
  assert.equal(frame.keyframe, true);
  assert.equal(frame.layer, 'large');
  assert.equal(frame.frameNumber, 4_000_000_000);
  assert.equal(frame.captureServerUs, 1_234_567_890_123);
  assert.equal(frame.payload.length, 500);
  const broken = (at, value) => {
    const copy = bytes.slice();
    copy[at] = value;
    return parseVideoFrame(copy).error;
  };
  assert.ok(broken(0, 2));     // version
  assert.ok(broken(2, 5));     // layer
  assert.ok(broken(3, 0));     // frame rate
  assert.ok(broken(7, 1));     // odd width
  assert.ok(broken(16, 0x7f)); // capture time beyond 2^52
  assert.ok(parseVideoFrame(bytes.subarray(0, 24)).error);
  assert.ok(parseVideoFrame(new Uint8Array(512 * 1024 + 1)).error);
  assert.throws(() => encodeVideoFrame({ layer: 'small', framesPerSecond: 30, width: 2, height: 2, frameNumber: 0,
    captureServerUs: 0, payload: new Uint8Array(0) }));
});

test('the video control messages are what the server parses', () => {
  assert.deepEqual(JSON.parse(videoSubscribe(12, null)), { v: 1, type: 'video_subscribe', stream_id: 12, layer: null });
  // Figures are bounded where they are made, as the server bounds them where it reads them.
  const report = JSON.parse(videoReport({ streamId: 3, layer: 'small', framesReceived: 99999, framesLost: 2, delayMs: 1e9 }));
  assert.equal(report.frames_received, 10000);
  assert.equal(report.delay_ms, 60000);
});

test('the rate controller steps down at once, pauses before the audio suffers, and climbs back slowly', () => {
  const rate = new RateController(4);
  let now = 0;
  assert.equal(rate.update({}, now), 4);
  assert.equal(rate.update({ worstLossPercent: 5 }, (now += 1e6)), 3);
  assert.equal(rate.update({ worstLossPercent: 5 }, (now += 5e5)), 3);
  assert.equal(rate.update({ worstLossPercent: 5 }, (now += 5e5)), 2);
  assert.equal(rate.update({ worstLossPercent: 20 }, (now += 1e6)), 0);
  rate.update({ worstLossPercent: 20 }, (now += 1e6));
  assert.equal(rate.update({ worstLossPercent: 20 }, (now += 1e6)), -1);
  assert.equal(rate.update({}, (now += 4e6)), -1);
  assert.equal(rate.update({}, (now += 1e6)), 0);
  for (let s = 0; s < 5; s++) assert.equal(rate.update({}, (now += 1e6)), 0);
  assert.equal(rate.update({}, (now += 1e6)), 1);
  const busy = new RateController(3);
  assert.equal(busy.update({ audioStrained: true }, 1e6), 0);
  assert.equal(busy.update({ audioStrained: true }, 2e6), -1);
  const slow = new RateController(2);
  assert.equal(slow.update({ droppedByServer: 4 }, 1e6), 1);
  assert.equal(slow.update({ sendBacklogUs: 4e5 }, 2.1e6), 0);
  assert.equal(new RateController(4, 1).step, 1);
  const fresh = new RateController();
  let t = 0;
  const steps = Array.from({ length: 11 }, () => fresh.update({}, (t += 1e6)));
  assert.deepEqual(steps, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4], 'a fresh camera climbs a step every 2 s');
});

test('the large tile gets the large layer: the pinned one, else this person\'s pick, else the only camera', () => {
  const peer = (id, camera = 'on', blocked = false) => ({ participant_id: id, stream_id: 100 + id, camera, camera_blocked: blocked });
  const others = [peer(1), peer(2), peer(3, 'paused'), peer(4, 'on', true), peer(5, 'off')];
  let choice = chooseLayers({ others, layout: 'grid' });
  assert.equal(choice.largeStreamId, undefined);
  assert.deepEqual([...choice.layers], [[101, 'small'], [102, 'small'], [103, null], [104, null], [105, null]]);
  choice = chooseLayers({ others, layout: 'grid', pinnedParticipantId: 2 });
  assert.equal(choice.largeStreamId, 102);
  assert.equal(choice.layers.get(102), 'large');
  assert.equal(choice.layers.get(101), 'small');
  choice = chooseLayers({ others, layout: 'large', chosenStreamId: 101 });
  assert.equal(choice.layers.get(101), 'large');
  assert.equal(chooseLayers({ others, layout: 'large' }).largeStreamId, 101, 'no pick yet: the first camera');
  assert.equal(chooseLayers({ others: [peer(7)], layout: 'grid' }).layers.get(107), 'large', 'one camera: large');
  // A pinned camera that is off does not take the large place.
  assert.equal(chooseLayers({ others, layout: 'grid', pinnedParticipantId: 5 }).largeStreamId, undefined);
});

// A 2D context that paints fillRect into an RGBA buffer, as a canvas does (no smoothing).
function fakeCanvas(width, height) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const context = {
    fillStyle: '#000000',
    fillRect(x, y, w, h) {
      const c = /^#(..)(..)(..)$/.exec(this.fillStyle).slice(1).map((v) => parseInt(v, 16));
      for (let j = Math.max(0, Math.round(y)); j < Math.min(height, Math.round(y + h)); j++)
        for (let i = Math.max(0, Math.round(x)); i < Math.min(width, Math.round(x + w)); i++)
          rgba.set([...c, 255], (j * width + i) * 4);
    },
  };
  return { rgba, context };
}

test('the test pattern\'s time code reads back from its pixels at any width, and a damaged one does not', () => {
  const time = 5_000_000_000_000 + 424_242;
  for (const [width, height] of [[320, 180], [640, 360], [1280, 720], [848, 480]]) {
    const { rgba, context } = fakeCanvas(width, height);
    drawPattern(context, width, height, 12, time);
    assert.equal(readTime(rgba, width, 5_000_000_000_000), time, `${width}x${height}`);
    // Read near a time on the far side of the 48-bit wrap: the same instant.
    assert.equal(readTime(rgba, width, time + 1e9), time);
  }
  assert.equal(bitsOf(time).length, 56);
  const { rgba, context } = fakeCanvas(640, 360);
  drawPattern(context, 640, 360, 0, time);
  const block = blockOf(5, 640);
  context.fillStyle = bitsOf(time)[5] ? '#000000' : '#ffffff';  // flip one bit
  context.fillRect(block.x, block.y, block.width, block.height);
  assert.equal(readTime(rgba, 640, time), undefined);
  assert.equal(readTime(new Uint8ClampedArray(640 * 360 * 4), 640, time), undefined, 'a black picture carries no time');
});
