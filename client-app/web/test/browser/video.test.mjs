// Video in a lesson, as people use it: a student in Chromium, one in Firefox and a teacher on
// samspil-cli (the native client: libvpx, the UDP path) turn their cameras on in one room —
// each films the test pattern, whose capture time is in the picture — and each sees the two
// others: the decoded pictures carry the senders' time codes, read back from their pixels
// (glass to glass), and each still hears the others. Real parts: samspil-server,
// samspil-cli, Debian's Chromium and Firefox ESR with WebCodecs' VP8.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(p * (sorted.length - 1))];
};

// What a page's receiver has seen of each other camera: frames decoded, time codes read.
async function videoFigures(page) {
  return page.evaluate(() => {
    const out = {};
    for (const peer of window.samspil.peers) {
      const f = window.samspil.video?.receiver.figures.get(peer.stream_id);
      if (f) out[peer.name] = { decoded: f.decoded, glass: f.glassToGlassMs.slice(), width: f.width, height: f.height,
        skipped: f.skipped, lost: f.lost };
    }
    return out;
  });
}

// What a page's video knows, for a failure's message: its link, whose cameras it thinks are
// on, what it asked for, what its camera sent.
async function videoState(page) {
  return page.evaluate(() => {
    const v = window.samspil.video;
    if (!v) return 'no video in the page';
    return JSON.stringify({ link: { open: v.link.open, ...v.link.counters },
      others: v.others.map((p) => ({ name: p.name, stream: p.stream_id, camera: p.camera, blocked: p.camera_blocked })),
      subscribed: [...v.subscribed], sender: { on: v.sender.on, step: v.sender.step, demand: v.sender.demand, ...v.sender.stats },
      figures: [...v.receiver.figures].map(([stream, f]) => ({ stream, decoded: f.decoded, lost: f.lost, skipped: f.skipped })) });
  });
}

async function cameraOn(page, name) {
  await page.click('#camera');
  try {
    await page.waitForFunction(() => window.samspil.video?.sender.on === true, { timeout: 10_000 });
  } catch (error) {
    throw new Error(`${name}'s camera did not turn on: ${await videoState(page)}`);
  }
}

test('Chromium, Firefox and the cli see each other\'s video (the senders\' pixels) and still hear each other',
  { timeout: 170_000 }, async () => {
    const dir = h.tempDir();
    const server = await h.startServer(dir);
    const room = `${server.url}/?camera=test-pattern&measure=1`;
    const chromium = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440, level: 0.4, seconds: 60 }));
    const firefox = await h.launchFirefox(await h.startNullSoundCard(dir));
    const ida = await h.joinFromPage(chromium, room, { name: 'Ida', room: 'video' });
    const noah = await h.joinFromPage(firefox, room, { name: 'Noah', room: 'video' });
    await h.waitForState(ida, 'joined');
    await h.waitForState(noah, 'joined', 20_000);
    const teacher = h.startCli(['--server', server.ws, '--room', 'video', '--name', 'Lise', '--tone', '660',
      '--tone-level', '0.4', '--video', 'test-pattern', '--video-max', '360p30', '--record', join(dir, 'heard'),
      '--duration', '30']);
    await cameraOn(ida, 'Ida');
    await cameraOn(noah, 'Noah');
    // Each page shows the two other cameras with pictures whose time codes read.
    for (const [page, name] of [[ida, 'Ida'], [noah, 'Noah']]) {
      try {
        await page.waitForFunction(() => {
          const r = window.samspil.video?.receiver;
          const others = window.samspil.peers.filter((p) => p.participant_id !== window.samspil.welcome?.participant_id);
          return others.length === 2 && others.every((p) => (r.figures.get(p.stream_id)?.glassToGlassMs.length ?? 0) > 20);
        }, { timeout: 40_000, polling: 250 });
      } catch (error) {
        throw new Error(`${name}'s page did not see both cameras: ${await videoState(page)}`);
      }
    }
    // Both pages still hear both others while video runs.
    await Promise.all([h.waitForSettled(ida, 2), h.waitForSettled(noah, 2)]);
    const heard = await h.listen(ida, 4000);
    const [idaHearsNoah, idaHearsLise, idaHearsHerself] = h.toneShares(heard, [1000, 660, 440]);
    const figures = { Ida: await videoFigures(ida), Noah: await videoFigures(noah) };
    const report = await teacher.report;
    assert.equal(report.code, 0);

    for (const [viewer, seen] of Object.entries(figures))
      for (const [sender, f] of Object.entries(seen)) {
        console.log(`${viewer} sees ${sender}: ${f.decoded} pictures ${f.width}x${f.height}, glass to glass p50 `
          + `${percentile(f.glass, 0.5).toFixed(1)} ms, p95 ${percentile(f.glass, 0.95).toFixed(1)} ms over ${f.glass.length}`);
        assert.ok(f.glass.length > 20, `${viewer} read ${sender}'s time code from the pixels`);
        assert.ok(percentile(f.glass, 0.5) < 1000, `${viewer} sees ${sender} live`);
      }
    // The cli (libvpx) decoded both pages' pictures and read their time codes too.
    for (const name of ['Ida', 'Noah']) {
      const peer = report.peers.find((p) => p.name === name);
      assert.ok(peer, `the cli heard ${name}`);
      const seen = report.video.received.find((r) => r.stream_id === peer.stream_id);
      assert.ok(seen && seen.glass_to_glass_ms, `the cli saw ${name}: ${JSON.stringify(report.video)}`);
      console.log(`Lise (cli) sees ${name}: ${seen.frames_decoded} pictures ${seen.width}x${seen.height}, glass to glass `
        + `p50 ${seen.glass_to_glass_ms.p50.toFixed(1)} ms, p95 ${seen.glass_to_glass_ms.p95.toFixed(1)} ms`);
      assert.ok(seen.glass_to_glass_ms.frames > 20);
    }
    assert.ok(report.video.sent.frames_large + report.video.sent.frames_small > 60, 'the cli sent its camera');
    console.log(`Ida hears Noah ${idaHearsNoah.toFixed(2)} and Lise ${idaHearsLise.toFixed(2)} of the mix`);
    // Firefox's fake microphone is a 1 kHz tone at a quarter of Lise's level: a sixteenth of her energy.
    assert.ok(idaHearsNoah >= 0.03 && idaHearsLise >= 0.6, 'Ida still hears both');
    assert.ok(idaHearsHerself < 0.02, 'and not herself');
    const lise = h.toneCorrelation(h.readWav(report.peers.find((p) => p.name === 'Ida').wav).samples, 440);
    assert.ok(lise.median >= 0.9, `Lise hears Ida: ${lise.median}`);
  });
