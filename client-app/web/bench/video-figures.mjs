// Glass to glass on loopback (docs/performance.md, "Video"): two participants with their
// cameras on the test pattern (up to 720p30), each reading the other's capture time from the
// pixels of the pictures it decodes — browser↔browser (Chromium), browser↔desktop app,
// desktop app↔desktop app (under Xvfb) and cli↔cli (libvpx, as the desktop app) — p50 and p95
// each way, the step reached, and where both are known how much later the picture is ready
// than the sound (lip and bow with the music).
//
// Usage: node client-app/web/bench/video-figures.mjs [--seconds S] [--pairs chromium-chromium,...] [--json]
// (after `npm ci` in client-app/web and a build with the desktop app; SAMSPIL_BUILD_DIR picks
// the build tree). Exits 1 when a pair measured nothing.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as h from '../test/browser/harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const seconds = Number(option('--seconds', '20'));
const pairs = option('--pairs', 'chromium-chromium,chromium-desktop,desktop-desktop,cli-cli,chromium-cli').split(',');
const asJson = args.includes('--json');
const desktopBinary = join(h.buildDir, 'client-app/desktop/samspil_desktop_artefacts/RelWithDebInfo/samspil');

const percentile = (values, p) => {
  if (!values?.length) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};
const round = (v) => (v === undefined ? undefined : Math.round(v * 10) / 10);

// One participant of a kind; figures() → { [name of whom it saw]: {p50, p95, frames, avOffset} }.
async function start(kind, name, server, dir) {
  if (kind === 'chromium') {
    const browser = await h.launchChromium(h.writeToneWav(join(dir, `${name}.wav`), { hz: 440, seconds: 60, level: 0.3 }));
    const page = await h.joinFromPage(browser, `${server.url}/?camera=test-pattern&measure=1`, { name, room: 'glass' });
    await h.waitForState(page, 'joined');
    await page.click('#camera');
    return {
      figures: () => page.evaluate(() => {
        const out = {};
        const audio = window.samspil.audio.latencies;
        for (const peer of window.samspil.peers) {
          const f = window.samspil.video.receiver.figures.get(peer.stream_id);
          if (f) out[peer.name] = { glass: f.glassToGlassMs.slice(), audio: audio.slice() };
        }
        return { seen: out, step: window.samspil.video.sender.step };
      }),
      reset: () => page.evaluate(() => {
        window.samspil.audio.latencies.length = 0;
        for (const f of window.samspil.video.receiver.figures.values()) f.glassToGlassMs.length = 0;
      }),
    };
  }
  if (kind === 'desktop') {
    const app = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x800x24', desktopBinary, '--settings', join(dir, `${name}.json`),
      '--language', 'en', '--server', server.ws, '--room', 'glass', '--name', name, '--join', '--camera', 'test-pattern',
      '--camera-on', '--quit-after', String(seconds + 12)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    app.stdout.on('data', (d) => { out += d; });
    // Its own process group, stopped whole: xvfb-run leaves its Xvfb running when only it is stopped.
    h.onStop(() => { if (app.exitCode === null) process.kill(-app.pid, 'SIGTERM'); });
    return {
      // The app prints, every 2 s, each sender's glass to glass so far; the last line counts.
      figures: async () => {
        const seen = {};
        for (const m of out.matchAll(/video from (.+?): (\d+) pictures \d+x\d+, (\d+) read by their time code, glass to glass p50 ([\d.]+) ms p95 ([\d.]+) ms/g))
          seen[m[1]] = { p50: Number(m[4]), p95: Number(m[5]), frames: Number(m[3]) };
        const step = [...out.matchAll(/camera on \(test pattern\): \d+ frames sent(?: at (\w+))?/g)].pop()?.[1];
        return { seen, step };
      },
      reset: async () => {},
    };
  }
  const cli = h.startCli(['--server', server.ws, '--room', 'glass', '--name', name, '--tone', '660',
    '--video', 'test-pattern', '--duration', String(seconds + 8)]);
  return {
    figures: async () => {
      const report = await cli.report;
      const seen = {};
      for (const r of report.video?.received ?? []) {
        const peer = report.peers.find((p) => p.stream_id === r.stream_id);
        if (peer && r.glass_to_glass_ms)
          seen[peer.name] = { p50: r.glass_to_glass_ms.p50, p95: r.glass_to_glass_ms.p95, frames: r.glass_to_glass_ms.frames,
            avOffset: r.video_minus_audio_ms };
      }
      return { seen, step: report.video?.sent?.step };
    },
    reset: async () => {},
  };
}

async function measurePair(pair) {
  const [kindA, kindB] = pair.split('-');
  if ((kindA === 'desktop' || kindB === 'desktop') && !existsSync(desktopBinary))
    return { pair, skipped: 'the desktop app is not built' };
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const a = await start(kindA, 'A', server, dir);
  const b = await start(kindB, 'B', server, dir);
  await h.sleep(8000);  // both cameras climb the ladder (a step every 2 s while nothing strains)
  await a.reset();
  await b.reset();
  await h.sleep(seconds * 1000);
  const [fa, fb] = [await a.figures(), await b.figures()];
  await h.stopAll();
  const direction = (viewer, sender, figures) => {
    const seen = figures.seen[sender];
    if (!seen) return undefined;
    if (seen.glass) {  // a page: its own samples
      const g50 = percentile(seen.glass, 0.5);
      return { p50: round(g50), p95: round(percentile(seen.glass, 0.95)), frames: seen.glass.length,
        avOffset: seen.audio.length ? round(g50 - percentile(seen.audio, 0.5)) : undefined };
    }
    return { p50: round(seen.p50), p95: round(seen.p95), frames: seen.frames, avOffset: round(seen.avOffset) };
  };
  return { pair, aToB: direction('B', 'A', fb), bToA: direction('A', 'B', fa), stepA: fa.step, stepB: fb.step };
}

try {
  const results = [];
  for (const pair of pairs) results.push(await measurePair(pair));
  console.log('| pair | direction | glass to glass p50 (ms) | p95 | pictures read | sender\'s step | picture later than sound (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.skipped) {
      console.log(`| ${r.pair} | — | ${r.skipped} | | | | |`);
      continue;
    }
    const [kindA, kindB] = r.pair.split('-');
    for (const [from, to, d, step] of [[kindA, kindB, r.aToB, r.stepA], [kindB, kindA, r.bToA, r.stepB]])
      console.log(`| ${r.pair} | ${from} → ${to} | ${d?.p50 ?? '—'} | ${d?.p95 ?? '—'} | ${d?.frames ?? 0} | `
        + `${typeof step === 'number' ? ['180p15', '360p15', '360p30', '540p30', '720p30'][step] ?? 'paused' : step ?? '—'} | ${d?.avOffset ?? '—'} |`);
  }
  if (asJson) console.log(JSON.stringify(results));
  const measured = results.every((r) => r.skipped || (r.aToB?.frames > 10 && r.bToA?.frames > 10));
  if (!measured) {
    console.error('video-figures: a pair measured nothing');
    process.exit(1);
  }
} catch (error) {
  console.error(`video-figures: ${error.stack ?? error}`);
  await h.stopAll();
  process.exit(1);
}
