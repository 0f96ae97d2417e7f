// What the browser tests need: the real samspil-server and samspil-cli from a build tree,
// Debian's chromium and firefox-esr driven by puppeteer-core, a WAV for Chromium's fake
// microphone, and tone analysis. Everything started here is stopped by stopAll(), also when
// a test fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const build = process.env.SAMSPIL_BUILD_DIR ?? new URL('../../../../build', import.meta.url).pathname;
const started = [];

export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'samspil-web-'));
  started.push({ stop: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

function run(program, args, { cwd } = {}) {
  const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0))));
  child.output = out;
  started.push({ stop: () => child.exitCode === null && child.kill('SIGKILL') });
  return child;
}

/** samspil-server on a free loopback port, serving the browser client (its default). */
export async function startServer(dir, args = ['--open-rooms']) {
  const server = run(`${build}/server/samspil-server`, ['--port', '0', '--db', join(dir, 'samspil.db'), '--fast-password-hashing', ...args]);
  for (let i = 0; i < 200 && !/listening on/.test(server.output.stdout); i++) await sleep(50);
  const port = Number(/listening on ws:\/\/[^:]+:(\d+)/.exec(server.output.stdout)?.[1]);
  if (!port) throw new Error(`samspil-server did not start: ${server.output.stderr}`);
  server.port = port;
  server.url = `http://127.0.0.1:${port}`;
  server.ws = `ws://127.0.0.1:${port}`;
  return server;
}

/** samspil-cli with --stats; resolves to its report when it ends. */
export function startCli(args) {
  const cli = run(`${build}/client-app/cli/samspil-cli`, [...args, '--stats']);
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

/** Debian's Chromium, headless, with a WAV as its microphone. */
export async function launchChromium(wav) {
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required', '--disable-gpu',
      '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic'],
  });
  started.push({ stop: () => browser.close().catch(() => {}) });
  return browser;
}

/** Debian's Firefox ESR through WebDriver BiDi; its fake microphone is a 1 kHz tone at 0.1. */
export async function launchFirefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, protocolTimeout: 60000,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0, 'media.autoplay.block-webaudio': false, 'media.cubeb.force_mock_context': true,
    },
  });
  started.push({ stop: () => browser.close().catch(() => {}) });
  return browser;
}

/** Opens the page, fills in a name (and a room unless the URL is an invite), joins. */
export async function joinFromPage(browser, url, { name, room }) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.samspil !== undefined);
  await page.evaluate((n, r) => {
    document.getElementById('name').value = n;
    if (r) document.getElementById('room').value = r;
  }, name, room ?? '');
  await page.click('#join');
  return page;
}

/** What the page's worklet played since setTap(true), first channel, as one Float32Array. */
export async function tapOf(page) {
  const values = await page.evaluate(() => {
    const tap = window.samspil.audio.tap;
    const out = [];
    for (const block of tap.left) for (const v of block) out.push(Math.round(v * 32767));
    return out;
  });
  return Float32Array.from(values, (v) => v / 32767);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function stopAll() {
  while (started.length) await started.pop().stop();
}
