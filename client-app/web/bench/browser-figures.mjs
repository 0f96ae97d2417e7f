// The browser client's figures on loopback (docs/performance.md): mouth-to-ear both ways
// between a Chromium page and samspil-cli at 5 and 2.5 ms frames, what makes it up, and
// Chromium's CPU while the page plays 1, 4 and 8 participants.
//
// Usage: node client-app/web/bench/browser-figures.mjs [--seconds S] [--peers 1,4,8] [--json]
// (after `npm ci` in client-app/web and a build; SAMSPIL_BUILD_DIR picks the build tree).
// Exits 1 when it measured nothing.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as h from '../test/browser/harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const seconds = Number(option('--seconds', '12'));
const peerCounts = option('--peers', '1,4,8').split(',').map(Number);
const asJson = args.includes('--json');

const median = (values) => {
  if (!values.length) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, p) => {
  if (!values.length) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

// CPU seconds (user + system) of a process and all its descendants, from /proc.
function treeCpuSeconds(rootPid) {
  const parent = new Map();
  const cpu = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch { /* gone meanwhile */ }
  }
  let total = 0;
  for (const [pid, seconds] of cpu) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0)
      if (p === rootPid) {
        total += seconds;
        break;
      }
  }
  return total;
}

async function latency(frameMs) {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440, seconds: 30 }));
  const cli = h.startCli(['--server', server.ws, '--room', 'figures', '--name', 'Lise', '--tone', '660',
    '--frame-ms', String(frameMs), '--duration', String(seconds + 4)]);
  const page = await h.joinFromPage(browser, `${server.url}/?frame_ms=${frameMs}`, { name: 'Ida', room: 'figures' });
  await h.waitForState(page, 'joined');
  await h.sleep(3000);
  await page.evaluate(() => { window.samspil.audio.latencies.length = 0; });
  await h.sleep((seconds - 3) * 1000);
  const inPage = await page.evaluate(() => {
    const audio = window.samspil.audio;
    const remote = [...audio.streams.values()][0];
    return { latencies: audio.latencies.slice(), figures: remote?.figures?.stats, encodeMs: audio.stats.encodeMsMean,
      outputLatency: audio.context.outputLatency, baseLatency: audio.context.baseLatency };
  });
  const report = await cli.report;
  await browser.close();
  server.kill('SIGTERM');
  const ida = report.peers?.find((p) => p.name === 'Ida');
  return {
    frame_ms: frameMs,
    browser_to_cli_ms: ida?.mouth_to_ear_ms ? { p50: ida.mouth_to_ear_ms.p50, p95: ida.mouth_to_ear_ms.p95 } : undefined,
    cli_jitter_buffer_ms: ida?.jitter_buffer?.added_latency_ms,
    cli_to_browser_ms: inPage.latencies.length
      ? { p50: median(inPage.latencies), p95: percentile(inPage.latencies, 0.95), samples: inPage.latencies.length } : undefined,
    page_jitter_buffer_ms: inPage.figures?.meanBufferDelayMs,
    page_jitter_target_ms: inPage.figures?.targetDelayMs,
    page_encoder_ms: inPage.encodeMs,
    worklet_quantum_ms: (128 / 48000) * 1000,
    page_underruns: inPage.figures?.underruns,
    output_latency_s: inPage.outputLatency,
    base_latency_s: inPage.baseLatency,
  };
}

async function cpu(peers) {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'silence.wav'), { hz: 440, level: 0.0, seconds: 5 }));
  for (let i = 0; i < peers; i++)
    h.startCli(['--server', server.ws, '--room', 'figures', '--name', `peer ${i + 1}`, '--tone', String(300 + 50 * i),
      '--duration', String(seconds + 6)]);
  const page = await h.joinFromPage(browser, server.url, { name: 'Ida', room: 'figures' });
  await h.waitForState(page, 'joined');
  await page.waitForFunction((n) => window.samspil.audio.streams.size >= n, { timeout: 15_000 }, peers);
  await h.sleep(2000);
  const pid = browser.process().pid;
  const before = treeCpuSeconds(pid);
  const startedMs = Date.now();
  await h.sleep((seconds - 2) * 1000);
  const used = treeCpuSeconds(pid) - before;
  const heard = await page.evaluate(() => window.samspil.audio.streams.size);
  await browser.close();
  server.kill('SIGTERM');
  const percent = (100 * used) / ((Date.now() - startedMs) / 1000);
  return { peers, heard, chromium_cpu_percent: percent, per_peer_percent: percent / peers };
}

try {
  const results = { latency: [], cpu: [] };
  for (const frameMs of [5, 2.5]) results.latency.push(await latency(frameMs));
  for (const peers of peerCounts) results.cpu.push(await cpu(peers));
  await h.stopAll();
  const measured = results.latency.every((r) => r.browser_to_cli_ms && r.cli_to_browser_ms)
    && results.cpu.every((r) => r.heard === r.peers && r.chromium_cpu_percent > 0);
  for (const r of results.latency)
    console.log(`${r.frame_ms} ms frames: browser→cli p50 ${r.browser_to_cli_ms?.p50?.toFixed(1)} ms`
      + ` (p95 ${r.browser_to_cli_ms?.p95?.toFixed(1)}; the cli's jitter buffer ${r.cli_jitter_buffer_ms?.toFixed(1)} ms),`
      + ` cli→browser p50 ${r.cli_to_browser_ms?.p50?.toFixed(1)} ms (p95 ${r.cli_to_browser_ms?.p95?.toFixed(1)};`
      + ` the page's jitter buffer ${r.page_jitter_buffer_ms?.toFixed(1)} ms, target ${r.page_jitter_target_ms?.toFixed(1)} ms,`
      + ` underruns ${r.page_underruns}); encoder ${r.page_encoder_ms?.toFixed(2)} ms; worklet quantum`
      + ` ${r.worklet_quantum_ms.toFixed(2)} ms; outputLatency ${r.output_latency_s} s, baseLatency ${r.base_latency_s} s`);
  for (const r of results.cpu)
    console.log(`Chromium playing ${r.peers} participant(s): ${r.chromium_cpu_percent.toFixed(1)} % of one core`
      + ` (${r.per_peer_percent.toFixed(1)} % per participant heard)`);
  if (asJson) console.log(JSON.stringify(results));
  if (!measured) {
    console.error('browser-figures: measured nothing (a direction or a CPU run had no audio)');
    process.exit(1);
  }
} catch (error) {
  console.error(`browser-figures: ${error.stack ?? error}`);
  await h.stopAll();
  process.exit(1);
}
