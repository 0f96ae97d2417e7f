// Interval mode in the page: a cli player starts the room's metronome in interval mode (one
// bar at 120 BPM: 2 s) and plays a click on every beat; the page, a student in the room,
// hears each click exactly one interval after it was played, on the beat of the room's grid,
// and its room line says the room is in interval mode (Danish and English). Then the room
// goes back to live and the clicks keep coming, now a network trip late. Real parts:
// samspil-server, Chromium, samspil-cli.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

const BEAT_US = 500_000;
// Sample-accurate onsets: the first sample above `threshold`, each `minGap` after the last.
const onsets = (samples, threshold, minGap) => {
  const found = [];
  for (let i = 0; i < samples.length; i++)
    if (Math.abs(samples[i]) > threshold && (found.length === 0 || i - found.at(-1) >= minGap)) found.push(i);
  return found;
};
const offBeat = (t, start) => {
  const off = (((t - start) % BEAT_US) + BEAT_US) % BEAT_US;
  return off > BEAT_US / 2 ? off - BEAT_US : off;
};

test('interval mode in the page: the other player\'s clicks one interval late, on the beat, then live again', { timeout: 90_000 }, async () => {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'quiet.wav'), { hz: 1000, level: 0 }));
  const page = await h.joinFromPage(browser, `${server.url}/`, { name: 'Ida', room: 'band' });
  await h.waitForState(page, 'joined');
  await page.evaluate(() => { const l = document.getElementById('language'); l.value = 'en'; l.dispatchEvent(new Event('change')); });
  const player = h.startCli(['--server', server.ws, '--room', 'band', '--name', 'Lise', '--metronome', '120/4',
    '--interval-bars', '1', '--live-after', '5', '--play-on-click', '--duration', '10']);  // --stats: the grids it saw
  await page.waitForFunction(() => document.getElementById('room-metronome').dataset.interval === '1', { timeout: 15_000 });
  const line = await page.evaluate(() => document.getElementById('room-metronome').textContent);
  console.log(`the page's room line: ${line}`);
  assert.match(line, /Interval mode: you hear the others one interval \(2 s\) late, exactly on the beat/);
  await page.evaluate(() => { const l = document.getElementById('language'); l.value = 'da'; l.dispatchEvent(new Event('change')); });
  assert.match(await page.evaluate(() => document.getElementById('room-metronome').textContent), /Intervaltilstand/);
  assert.equal(await page.evaluate(() => document.getElementById('metronome-mode').value), '1');

  // What the page plays (its worklet: the room without the page's own click), with the
  // server time at which each tapped frame leaves the speaker.
  await page.evaluate(() => window.samspil.audio.setTap(true));
  await page.waitForFunction(() => document.getElementById('room-metronome').dataset.interval === '0', { timeout: 20_000 });
  await h.sleep(3000);
  const heard = await h.tapOf(page);
  const timing = await page.evaluate(() => {
    const audio = window.samspil.audio;
    return { firstServerUs: audio.serverUsOfContextFrame(audio.tap.firstFrame) };
  });
  await page.evaluate(() => window.samspil.audio.setTap(false));
  const stats = await player.report;
  assert.equal(stats.code, 0);
  const intervalGrid = stats.metronome_grids?.find((g) => g.interval_bars === 1);
  const liveGrid = stats.metronome_grids?.at(-1);
  assert.ok(intervalGrid && liveGrid && liveGrid.interval_bars === 0, JSON.stringify(stats.metronome_grids));

  const heardAt = onsets(heard, 0.25, 4800).map((i) => timing.firstServerUs + (i * 1e6) / 48000);
  const inInterval = heardAt.filter((t) => t < liveGrid.start_server_us);
  const offs = inInterval.map((t) => offBeat(t, intervalGrid.start_server_us));
  const live = heardAt.filter((t) => t >= liveGrid.start_server_us + BEAT_US).map((t) => offBeat(t, intervalGrid.start_server_us));
  console.log(`interval mode in the page: ${inInterval.length} clicks, off the beat (ms): ${offs.map((o) => (o / 1000).toFixed(2)).join(' ')};`
    + ` first ${((inInterval[0] - intervalGrid.start_server_us) / 1000).toFixed(1)} ms after the grid's start;`
    + ` after the switch to live ${live.length} clicks, ${live.map((o) => (o / 1000).toFixed(1)).join(' ')} ms off the beat`);
  assert.ok(inInterval.length >= 6, `${inInterval.length} clicks heard in interval mode`);
  assert.ok(inInterval[0] >= intervalGrid.start_server_us + 2_000_000 - 2000, 'nothing heard before one interval passed');
  for (const off of offs) assert.ok(Math.abs(off) <= 2000, `a click ${off / 1000} ms off the beat`);
  assert.ok(live.length >= 3, 'the clicks go on live');
  const gaps = heardAt.slice(1).map((t, i) => t - heardAt[i]);
  assert.ok(Math.max(...gaps) <= 4 * BEAT_US + 100_000, `a gap of ${Math.max(...gaps) / 1000} ms when the mode changed`);
  await browser.close();
});
