// The browser's path across the network lab (docs/performance.md, "The browser across the
// lab"): Chromium in the lab's far namespace, the server and a samspil-cli teacher on the
// server side, for each line and each way the page may carry media — one WebSocket, or
// one plus its media twin (a second WebSocket with the same media, docs/protocol.md).
// Both directions: what the teacher heard from the page (the cli's figures) and what the
// page heard from the teacher (the page's own).
//
// Usage: node client-app/web/bench/browser-lab.mjs [--seconds S] [--profiles bad-wifi,country,outage] [--json]
// (as root: namespaces; after `npm ci` in client-app/web and a build; SAMSPIL_BUILD_DIR
// picks the build tree). Exits 1 when a run measured nothing.
import { join } from 'node:path';
import * as h from '../test/browser/harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const seconds = Number(option('--seconds', '30'));
const profiles = option('--profiles', 'country,bad-wifi,outage').split(',');
const asJson = args.includes('--json');

const percentile = (values, p) => {
  if (!values.length) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};
const round = (v) => (v === undefined ? undefined : Math.round(v * 10) / 10);

// "outage" is the city line with everything dropped for 2 s, 10 s in (as bench/netlab-figures.sh).
const lineArgs = (profile) => (profile === 'outage' ? ['--profile', 'city', '--outage', '10:2'] : ['--profile', profile]);

async function run(profile, twin) {
  const dir = h.tempDir();
  const lab = await h.startLab([...lineArgs(profile), '--seed', '1']);
  const server = await h.startServer(dir, ['--open-rooms', '--bind', '10.77.0.2', '--allow-plaintext'],
    { netns: lab.serverSide });
  const teacher = h.startCli(['--server', server.ws, '--room', 'lab', '--name', 'Teacher', '--tone', '660',
    '--duration', String(seconds + 6)], { netns: lab.serverSide });
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440, seconds: 60 }),
    { executablePath: h.chromiumIn(dir, lab.clientSide), pipe: true,
      // The lab's address is not loopback: the microphone and the worklet need a secure context.
      extraArgs: [`--unsafely-treat-insecure-origin-as-secure=${server.url}`] });
  const page = await h.joinFromPage(browser, `${server.url}/?twin=${twin ? 1 : 0}`, { name: 'Student', room: 'lab' });
  await h.waitForState(page, 'joined', 30_000);
  await h.sleep(2000);
  await page.evaluate(() => { window.samspil.audio.latencies.length = 0; });
  const before = await page.evaluate(() => ({ ...[...window.samspil.audio.streams.values()][0]?.figures?.stats }));
  await h.sleep(seconds * 1000);
  const inPage = await page.evaluate(() => {
    const audio = window.samspil.audio;
    return { latencies: audio.latencies.slice(), stats: { ...[...audio.streams.values()][0]?.figures?.stats },
      counters: { ...window.samspil.session.counters } };
  });
  const report = await teacher.report;
  await browser.close();
  await h.stopAll();
  const student = report.peers?.find((p) => p.name === 'Student');
  const received = (inPage.stats.received ?? 0) - (before.received ?? 0);
  return {
    profile, twin,
    browser_to_cli: student?.mouth_to_ear_ms ? {
      p50: round(student.mouth_to_ear_ms.p50), p95: round(student.mouth_to_ear_ms.p95), p99: round(student.mouth_to_ear_ms.p99),
      concealed_percent: round((100 * student.concealed) / Math.max(1, student.received)),
      gaps_over_20ms_per_min: round((student.gaps_over_20ms * 60) / (seconds + 6)),
    } : undefined,
    cli_to_browser: inPage.latencies.length ? {
      p50: round(percentile(inPage.latencies, 0.5)), p95: round(percentile(inPage.latencies, 0.95)),
      p99: round(percentile(inPage.latencies, 0.99)),
      concealed_percent: round((100 * ((inPage.stats.concealed ?? 0) - (before.concealed ?? 0))) / Math.max(1, received)),
    } : undefined,
    twin_packets_received: inPage.counters.twinReceived,
  };
}

try {
  const results = [];
  for (const profile of profiles)
    for (const twin of [false, true]) results.push(await run(profile, twin));
  console.log('| line | page sends on | browser → cli p50 / p95 / p99 (ms) | concealed | gaps > 20 ms per min | cli → browser p50 / p95 / p99 (ms) | concealed |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const up = r.browser_to_cli;
    const down = r.cli_to_browser;
    console.log(`| ${r.profile} | ${r.twin ? 'two WebSockets' : 'one WebSocket'} | ${up?.p50} / ${up?.p95} / ${up?.p99} | ${up?.concealed_percent} % `
      + `| ${up?.gaps_over_20ms_per_min} | ${down?.p50} / ${down?.p95} / ${down?.p99} | ${down?.concealed_percent} % |`);
  }
  if (asJson) console.log(JSON.stringify(results));
  const measured = results.every((r) => r.browser_to_cli && r.cli_to_browser && (!r.twin || r.twin_packets_received > 0));
  if (!measured) {
    console.error('browser-lab: measured nothing in a run (no audio one way, or the twin carried nothing)');
    process.exit(1);
  }
} catch (error) {
  console.error(`browser-lab: ${error.stack ?? error}`);
  await h.stopAll();
  process.exit(1);
}
