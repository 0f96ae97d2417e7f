// The page's audio callback (js/audio-io.worklet.js) in Node, with AudioWorkletGlobalScope's
// few names stood in: two remote streams arriving every 5 ms (decoded, as the main thread
// posts them), a microphone, the quarter-second reports, interval mode switched on half-way.
// process() must never allocate: over 10 s of audio (3750 render quanta, after 10 s of warm-up
// in which the engine optimises it) the JS heap may not grow during any call. The heap's own
// bookkeeping moves its figure now and then; a call that allocates an object, an array or a
// message — or handles a number in code the engine has not optimised — shows every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { CaptureRing } from '../js/capture-ring.js';
import { newSamples } from '../js/interval-line.js';

let Processor;
globalThis.currentFrame = 0;
globalThis.sampleRate = 48000;
globalThis.AudioWorkletProcessor = class {
  constructor() {
    this.port = { posted: 0, postMessage: () => { this.port.posted++; }, onmessage: null };
  }
};
globalThis.registerProcessor = (name, cls) => { Processor = cls; };
await import('../js/audio-io.worklet.js');

const QUANTUM = 128;
const used = () => v8.getHeapStatistics().used_heap_size;

test('the worklet\'s process() allocates nothing while it plays, captures, reports and plays one interval late',
  { timeout: 120_000 }, () => {
    assert.ok(Processor, 'the worklet registered its processor');
    const ring = CaptureRing.create();
    const processor = new Processor({ processorOptions: { frameSamples: 240, capture: ring.shared } });
    const deliver = (m) => processor.port.onmessage({ data: m });
    const input = [[new Float32Array(QUANTUM)]];
    const output = [[new Float32Array(QUANTUM), new Float32Array(QUANTUM)]];
    for (const streamId of [11, 12]) {
      deliver({ type: 'line', streamId, samples: newSamples() });
      deliver({ type: 'epoch', streamId, epochServerUs: 1_000_000 });
    }
    deliver({ type: 'clockMap', frame: 0, serverUs: 1_000_000 });

    const seconds = 20;
    const quanta = Math.floor((seconds * 48000) / QUANTUM);
    const measureFrom = Math.floor(quanta / 2);  // the second half: 10 s, warmed up
    let sequence = 0;
    let nextPacketFrame = 0;
    let allocatingCalls = 0;
    let measured = 0;
    let largest = 0;
    for (let q = 0; q < quanta; q++) {
      globalThis.currentFrame = q * QUANTUM;
      // Packets due by now (a 5 ms frame each, both streams), as the main thread posts them.
      while (nextPacketFrame <= globalThis.currentFrame) {
        for (const streamId of [11, 12]) {
          const pcm = new Float32Array(480);
          for (let i = 0; i < 480; i++) pcm[i] = 0.3 * Math.sin((2 * Math.PI * 440 * (sequence * 240 + (i >> 1))) / 48000);
          deliver({ type: 'decoded', streamId, sequence, timestamp: sequence * 240, samples: 240, streamStart: sequence === 0, pcm });
        }
        sequence++;
        nextPacketFrame += 240;
      }
      if (q === Math.floor(quanta / 4)) deliver({ type: 'interval', delayUs: 2_000_000, fromServerUs: 0 });
      for (let i = 0; i < QUANTUM; i++) input[0][0][i] = Math.sin((2 * Math.PI * 1000 * (q * QUANTUM + i)) / 48000);
      if (q < measureFrom) {
        processor.process(input, output);
        continue;
      }
      const b1 = used();
      const b2 = used();
      processor.process(input, output);
      const grew = used() - b2 - (b2 - b1);
      measured++;
      if (grew > 0 && grew < 100_000) {  // larger jumps are the heap's own bookkeeping, not one call's objects
        allocatingCalls++;
        largest = Math.max(largest, grew);
      }
    }
    const played = output[0][0].reduce((peak, x) => Math.max(peak, Math.abs(x)), 0);
    console.log(`${measured} calls measured: ${allocatingCalls} grew the heap (largest ${largest} bytes); `
      + `${processor.port.posted} messages posted; last quantum's peak ${played.toFixed(2)}`);
    assert.ok(played > 0.1, 'it played the streams (one interval late by then)');
    assert.ok(processor.port.posted > 1500, 'it posted the captured frames and the reports');
    let frames = 0;
    ring.drain(() => { frames++; });
    assert.ok(frames > 0, 'the microphone\'s frames are in the ring');
    // The heap's own accounting moves now and then by a few hundred bytes (V8's own feedback
    // and inline caches: 5–7 calls of 3 750 in one run of eight on a busy machine); an
    // allocating process() does it on every frame (2000 a second) or every report (4 a second:
    // 40 in the 10 s measured).
    assert.ok(allocatingCalls <= 12, `${allocatingCalls} of ${measured} calls allocated (up to ${largest} bytes)`);
  });
