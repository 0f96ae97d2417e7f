// What the browser tests need: the real samspil-server and samspil-cli from a build tree,
// Debian's chromium and firefox-esr driven by puppeteer-core, a WAV for Chromium's fake
// microphone, and tone analysis. Everything started here is stopped by stopAll(), also when
// a test fails.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const build = process.env.SAMSPIL_BUILD_DIR ?? new URL('../../../../build', import.meta.url).pathname;
export const buildDir = build;
const started = [];

export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'samspil-web-'));
  started.push({ stop: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

function run(program, args, { cwd, env } = {}) {
  const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0))));
  child.output = out;
  started.push({ stop: () => child.exitCode === null && child.kill('SIGKILL') });
  return child;
}

/**
 * samspil-server on a loopback port (a free one unless `port` is given, e.g. to restart on
 * the same one), serving the browser client (its default).
 */
export async function startServer(dir, args = ['--open-rooms'], { port = 0, netns } = {}) {
  const server = runIn(netns, `${build}/server/samspil-server`,
    ['--port', String(port), '--db', join(dir, 'samspil.db'), '--fast-password-hashing', ...args]);
  for (let i = 0; i < 200 && !/listening on/.test(server.output.stdout); i++) await sleep(50);
  const [, secure, host, portText] = /listening on ws(s?):\/\/([^/]+):(\d+)/.exec(server.output.stdout) ?? [];
  const listening = Number(portText);
  if (!listening) throw new Error(`samspil-server did not start: ${server.output.stderr}`);
  server.port = listening;
  server.url = `http${secure}://${host}:${listening}`;
  server.ws = `ws${secure}://${host}:${listening}`;
  return server;
}

/** `program args` inside a network namespace (none: as is). */
function runIn(netns, program, args) {
  return netns ? run('ip', ['netns', 'exec', netns, program, ...args]) : run(program, args);
}

/**
 * samspil-netlab (devtools/netlab) with `args` (a profile, an outage …): namespaces
 * `${name}-client` and `${name}-server` joined by its line, until stopAll().
 */
let labs = 0;
export async function startLab(args) {
  const name = `samspil-w${process.pid}-${labs++}`;
  const lab = run(`${build}/devtools/samspil-netlab`, [...args, '--name', name]);
  // Stopped with SIGTERM (before the generic kill), so it deletes its namespaces itself.
  started.push({ stop: async () => {
    if (lab.exitCode === null) lab.kill('SIGTERM');
    await Promise.race([lab.exited, sleep(5000)]);
  } });
  for (let i = 0; i < 200 && !/ready/.test(lab.output.stdout) && lab.exitCode === null; i++) await sleep(50);
  if (!/ready/.test(lab.output.stdout)) throw new Error(`samspil-netlab did not start: ${lab.output.stderr}`);
  lab.clientSide = `${name}-client`;
  lab.serverSide = `${name}-server`;
  return lab;
}

/** A wrapper that runs Debian's Chromium inside a network namespace (for launchChromium). */
export function chromiumIn(dir, netns) {
  const path = join(dir, 'chromium-in-netns');
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${netns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
  return path;
}

/** Stops a server as its service manager would (SIGTERM) and waits for it. */
export async function stopServer(server) {
  server.kill('SIGTERM');
  return server.exited;
}

/**
 * A school on a fresh server without open rooms: the admin command creates it, a teacher
 * is added, and `api(method, path, body, token)` calls the HTTP API.
 */
export async function startSchool(dir) {
  const passwordFile = join(dir, 'admin-password');
  writeFileSync(passwordFile, 'admin-password-1\n');
  const create = run(`${build}/server/samspil-server`, ['admin', 'create-school', '--name', 'Vejle Musikskole',
    '--admin-login', 'admin@vejle', '--admin-name', 'Anne Admin', '--admin-password-file', passwordFile,
    '--db', join(dir, 'samspil.db'), '--fast-password-hashing', 'yes']);
  if (await create.exited !== 0) throw new Error(`create-school failed: ${create.output.stderr}`);
  const server = await startServer(dir, []);
  const api = async (method, path, body, token) => {
    const answer = await fetch(`${server.url}/api/v1/${path}`, { method,
      headers: token ? { Authorization: `Bearer ${token}` } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : {} };
  };
  const signIn = async (login, password) => (await api('POST', 'sign-in', { login, password })).body.token;
  const adminToken = await signIn('admin@vejle', 'admin-password-1');
  const teacher = await api('POST', 'schools/1/members', { login: 'lise@vejle', display_name: 'Lise Lærer',
    password: 'lise-password-1', role: 'teacher' }, adminToken);
  if (teacher.status !== 201) throw new Error(`adding the teacher: ${JSON.stringify(teacher)}`);
  const teacherPasswordFile = join(dir, 'teacher-password');
  writeFileSync(teacherPasswordFile, 'lise-password-1\n');
  return { server, api, adminToken, teacherToken: await signIn('lise@vejle', 'lise-password-1'),
    teacherLogin: 'lise@vejle', teacherPasswordFile, db: join(dir, 'samspil.db') };
}

/** samspil-cli with --stats; resolves to its report when it ends. */
export function startCli(args, { netns } = {}) {
  const cli = runIn(netns, `${build}/client-app/cli/samspil-cli`, [...args, '--stats']);
  cli.report = cli.exited.then((code) => ({ code, ...JSON.parse(cli.output.stdout || '{}') }));
  return cli;
}

/** A mono 16-bit WAV of a sine (Chromium's fake microphone plays it in a loop). */
export function writeToneWav(path, { hz, seconds = 10, rate = 48000, level = 0.5 }) {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(44 + samples * 2);
  data.write('RIFF', 0);
  data.writeUInt32LE(36 + samples * 2, 4);
  data.write('WAVEfmt ', 8);
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20);
  data.writeUInt16LE(1, 22);
  data.writeUInt32LE(rate, 24);
  data.writeUInt32LE(rate * 2, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write('data', 36);
  data.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(32767 * level * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  writeFileSync(path, data);
  return path;
}

/** Reads a 16-bit PCM or 32-bit float WAV's first channel. */
export function readWav(path) {
  const data = readFileSync(path);
  let at = 12;
  let format = 1, channels = 1, bits = 16, rate = 48000;
  while (at + 8 <= data.length) {
    const id = data.toString('ascii', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      format = data.readUInt16LE(at + 8);
      channels = data.readUInt16LE(at + 10);
      rate = data.readUInt32LE(at + 12);
      bits = data.readUInt16LE(at + 22);
    } else if (id === 'data') {
      const frames = Math.floor(size / (channels * bits / 8));
      const out = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        const offset = at + 8 + i * channels * (bits / 8);
        out[i] = format === 3 ? data.readFloatLE(offset) : data.readInt16LE(offset) / 32768;
      }
      return { rate, samples: out };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`no audio in ${path}`);
}

/**
 * How well a recording matches a tone of `hz`: the median, over 50 ms windows that carry
 * sound, of the correlation between the window and the best-fitting sine of that frequency
 * (any phase and level). 1 is a clean tone; noise or a wrong pitch is near 0.
 */
export function toneCorrelation(samples, hz, rate = 48000, windowMs = 50) {
  const n = Math.round((rate * windowMs) / 1000);
  const values = [];
  for (let start = 0; start + n <= samples.length; start += n) {
    let energy = 0, s = 0, c = 0, ss = 0, cc = 0, sc = 0;
    for (let i = 0; i < n; i++) {
      const x = samples[start + i];
      const phase = (2 * Math.PI * hz * (start + i)) / rate;
      const si = Math.sin(phase), ci = Math.cos(phase);
      energy += x * x; s += x * si; c += x * ci; ss += si * si; cc += ci * ci; sc += si * ci;
    }
    if (energy / n < 1e-5) continue;  // silence: nothing to compare
    // Least squares fit a·sin + b·cos, then the correlation of the fit with the signal.
    const det = ss * cc - sc * sc;
    const a = (s * cc - c * sc) / det, b = (c * ss - s * sc) / det;
    const fitEnergy = a * a * ss + b * b * cc + 2 * a * b * sc;
    values.push(Math.sqrt(Math.max(0, fitEnergy) / energy));
  }
  if (values.length === 0) return { median: 0, windows: 0 };
  values.sort((x, y) => x - y);
  return { median: values[Math.floor(values.length / 2)], windows: values.length };
}

/**
 * How much of a mix each of several tones makes up: the share of the recording's energy
 * that lies within ±halfWidthHz of each tone (DFT bins of the whole recording; Parseval
 * gives the total). Two equal tones in a clean mix give about 0.5 each. Dropouts and
 * concealed frames smear a tone by a few hertz, so this still says who is heard when a
 * loaded machine makes the audio rough; a voice that is not in the mix gives about 0.
 */
export function toneShares(samples, tones, rate = 48000, halfWidthHz = 25) {
  const n = samples.length;
  let energy = 0;
  for (const x of samples) energy += x * x;
  if (n === 0 || energy === 0) return tones.map(() => 0);
  return tones.map((hz) => {
    let band = 0;
    const first = Math.ceil(((hz - halfWidthHz) * n) / rate), last = Math.floor(((hz + halfWidthHz) * n) / rate);
    for (let k = first; k <= last; k++) {  // Goertzel: |X_k|² of bin k
      const coefficient = 2 * Math.cos((2 * Math.PI * k) / n);
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = samples[i] + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      band += s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    }
    return (2 * band) / (n * energy);  // a real tone's energy lies in bin k and its mirror n − k
  });
}

/** Debian's Chromium, headless, with a WAV as its microphone. */
export async function launchChromium(wav, { executablePath = '/usr/bin/chromium', pipe = false, extraArgs = [],
  acceptInsecureCerts = false } = {}) {
  const browser = await puppeteer.launch({
    executablePath, pipe, headless: true, acceptInsecureCerts,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required', '--disable-gpu',
      '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic', ...extraArgs, ...(process.env.SAMSPIL_CHROMIUM_ARGS ? process.env.SAMSPIL_CHROMIUM_ARGS.split(' ') : [])],
  });
  started.push({ stop: () => browser.close().catch(() => {}) });
  return browser;
}

/**
 * A PulseAudio server with only a null sink, on a socket in `dir`: a sound card that plays
 * into nothing at the real rate. Firefox's own stand-in without one (its mock audio
 * context) runs its clock about 13 % slow, which no jitter buffer should have to absorb.
 */
export async function startNullSoundCard(dir) {
  const socket = join(dir, 'pulse-native');
  const pulse = run('pulseaudio', ['--daemonize=no', '--exit-idle-time=-1', '-n', '--use-pid-file=no', '--disallow-exit',
    '--log-target=stderr', '-L', 'module-null-sink sink_name=samspil rate=48000',
    '-L', `module-native-protocol-unix auth-anonymous=1 socket=${socket}`], { env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir } });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
  if (!existsSync(socket)) throw new Error(`pulseaudio did not start: ${pulse.output.stderr}`);
  return `unix:${socket}`;
}

/** Debian's Firefox ESR through WebDriver BiDi, playing to `pulseServer`; its fake microphone is a 1 kHz tone at 0.1. */
export async function launchFirefox(pulseServer, { acceptInsecureCerts = false } = {}) {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, protocolTimeout: 60000, acceptInsecureCerts,
    env: { ...process.env, PULSE_SERVER: pulseServer },
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0, 'media.autoplay.block-webaudio': false, 'media.cubeb.force_mock_context': false,
    },
  });
  started.push({ stop: () => browser.close().catch(() => {}) });
  return browser;
}

/** Opens the page (its script loaded, an invite looked up) without joining. */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.samspil?.ready === true, { timeout: 15_000 });
  return page;
}

/** Opens the page, fills in a name (unless null: keep what the page filled in) and a room (unless the URL is an invite), joins. */
export async function joinFromPage(browser, url, { name, room }) {
  const page = await openPage(browser, url);
  await page.evaluate((n, r) => {
    if (n !== null) document.getElementById('name').value = n;
    if (r) document.getElementById('room').value = r;
  }, name, room ?? '');
  await page.click('#join');
  return page;
}

/** Signs in through the page's sign-in form; resolves once its recordings list has loaded. */
export async function signInOnPage(page, login, password) {
  await page.evaluate(() => { document.getElementById('sign-in').open = true; });
  await page.type('#login', login);
  await page.type('#password', password);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('recordings-page').hidden
    && (document.querySelectorAll('.recording-item').length > 0 || !document.getElementById('recordings-empty').hidden),
  { timeout: 15_000 });
}

/** Waits until the page's session reaches `state` (joined, waiting, refused, reconnecting …). */
export async function waitForState(page, state, timeout = 15_000) {
  await page.waitForFunction((s) => window.samspil.state === s, { timeout }, state);
}

/**
 * Waits until the page hears `streams` participants and none of their jitter buffers holds
 * a backlog (a page that was busy while joining drains it at one frame in ten).
 */
export async function waitForSettled(page, streams, timeout = 15_000) {
  try {
    await page.waitForFunction((n) => {
      const all = [...window.samspil.audio.streams.values()].map((r) => r.figures?.stats).filter(Boolean);
      return all.length >= n && all.every((s) => s.received > 200 && s.depthPackets <= 12);
    }, { timeout, polling: 250 }, streams);
  } catch (error) {
    // Say what the page's buffers looked like: the next failure then tells why.
    const seen = await page.evaluate(() => [...window.samspil.audio.streams.entries()]
      .map(([id, r]) => `${id}: ${JSON.stringify(r.figures?.stats ?? null)}`).join('; ')).catch(() => 'unreadable');
    throw new Error(`the page's ${streams} stream(s) did not settle in ${timeout / 1000} s (${error.message}); ${seen}`);
  }
}

/** Waits until the page has received `packets` of some participant's audio; says why not when it fails. */
export async function waitForHearing(page, packets, timeout = 20_000) {
  try {
    await page.waitForFunction((n) => [...window.samspil.audio.streams.values()].some((r) => r.figures?.stats?.received > n),
      { timeout, polling: 250 }, packets);
  } catch (error) {
    const seen = await page.evaluate(() => JSON.stringify({
      state: window.samspil.state, context: window.samspil.audio.context?.state,
      streams: [...window.samspil.audio.streams.entries()].map(([id, r]) => [id, r.figures?.stats ?? null]),
    })).catch(() => 'unreadable');
    throw new Error(`the page heard nobody in ${timeout / 1000} s (${error.message}); ${seen}`);
  }
}

/** Listens to what the page plays for `ms` (after it played for a while) and returns it. */
export async function listen(page, ms) {
  const before = await streamStats(page);
  await page.evaluate(() => window.samspil.audio.setTap(true));
  await sleep(ms);
  const heard = await tapOf(page);
  await page.evaluate(() => window.samspil.audio.setTap(false));
  heard.streamEvents = eventsBetween(before, await streamStats(page));
  return heard;
}

const countedEvents = ['lost', 'late', 'concealed', 'underruns', 'grownFrames', 'droppedToCatchUp', 'resets'];

async function streamStats(page) {
  return page.evaluate(() => [...window.samspil.audio.streams.entries()]
    .map(([id, r]) => [id, { ...(r.figures?.stats ?? {}) }]));
}

/** What went wrong in each stream's jitter buffer while listening (counts that grew). */
function eventsBetween(before, after) {
  const start = new Map(before);
  return after.map(([id, stats]) => {
    const events = {};
    for (const key of countedEvents) {
      const grew = (stats[key] ?? 0) - (start.get(id)?.[key] ?? 0);
      if (grew) events[key] = grew;
    }
    return `${id}: ${JSON.stringify(events)} depth ${stats.depthPackets}`;
  }).join('; ');
}

/** What the page's worklet played since setTap(true), first channel, as one Float32Array. */
export async function tapOf(page) {
  const values = await page.evaluate(() => {
    const tap = window.samspil.audio.tap;
    if (!tap) return [];
    const out = [];
    for (const block of tap.left) for (const v of block) out.push(Math.round(v * 32767));
    return out;
  });
  return Float32Array.from(values, (v) => v / 32767);
}

/**
 * The room's metronome as the page scheduled it (a cli started it at 120 BPM): a click per
 * beat on the server's grid, none skipped or doubled, each 0.5 s after the last within 1 ms
 * from the fifth on (the first come while the page's clock still settles), and the steadied
 * clock no further than `maxOffClockMs` (median) from what the page measures. One exception
 * is allowed: when the browser's own audio clock jumps (its audio device stalled — a CI run
 * saw 20 ms in Chromium's stand-in for a sound card), the page follows it at once, so that
 * click lands more than 15 ms off the spacing and exactly where the page then measures.
 */
export async function checkRoomClicks(page, assert, { maxOffClockMs }) {
  const click = await page.evaluate(() => ({ text: document.getElementById('room-metronome').textContent,
    scheduled: window.samspil.metronome?.scheduled ?? [], grid: window.samspil.metronome?.grid }));
  const offClock = click.scheduled.map((s) => Math.abs(s.contextTime - s.rawContextTime)).sort((a, b) => a - b);
  const offClockMedianMs = (offClock[offClock.length >> 1] ?? NaN) * 1e3;
  console.log(`the room's metronome in the page: "${click.text}", ${click.scheduled.length} clicks scheduled;`
    + ` off the raw clock: median ${offClockMedianMs.toFixed(2)} ms, worst ${((offClock.at(-1) ?? NaN) * 1e3).toFixed(2)} ms`);
  assert.match(click.text, /120 BPM/);
  assert.ok(click.scheduled.length >= 8, 'a click per beat');
  let jumps = 0;
  for (const [i, s] of click.scheduled.entries()) {
    assert.equal(s.serverUs, click.grid.start_server_us + s.beat * 500_000, 'on the grid');
    if (i === 0) continue;
    const previous = click.scheduled[i - 1];
    assert.equal(s.beat, previous.beat + 1, 'no beat skipped or doubled');
    if (i < 4) continue;
    const offSpacing = s.contextTime - previous.contextTime - 0.5;
    if (Math.abs(offSpacing) < 0.001) continue;
    const followedAJump = Math.abs(offSpacing) > 0.015 && Math.abs(s.contextTime - s.rawContextTime) < 0.003;
    assert.ok(followedAJump, `beat ${s.beat} lands 0.5 s after the last (off by ${(offSpacing * 1e3).toFixed(2)} ms)`);
    jumps += 1;
    console.log(`beat ${s.beat}: the browser's audio clock jumped ${(offSpacing * 1e3).toFixed(1)} ms and the click followed it`);
  }
  assert.ok(jumps <= 1, `the audio clock jumped ${jumps} times`);
  assert.ok(offClockMedianMs < maxOffClockMs, 'the steadied clock follows the measured one');
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Something else to stop with everything started here (a process the caller spawned). */
export function onStop(stop) {
  started.push({ stop });
}

export async function stopAll() {
  while (started.length) await started.pop().stop();
}
