// Two students in two Chromium pages and a teacher on samspil-cli in one room: each of the
// three hears both others (tone shares of the mix in each page; the cli's recording of each
// page). Also takes the screenshots docs/browser.md and the README show: the join page and
// the room with three participants (written to the build tree's screenshots/ folder).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

test('two browsers and a cli in one room: each hears both others', { timeout: 120_000 }, async () => {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const shots = join(h.buildDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const ida = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440, level: 0.4 }));
  const noah = await h.launchChromium(h.writeToneWav(join(dir, 'a550.wav'), { hz: 550, level: 0.4 }));

  const idaPage = await h.openPage(ida, server.url);
  await idaPage.setViewport({ width: 1100, height: 760 });
  await idaPage.evaluate(() => {
    document.getElementById('name').value = 'Ida';
    document.getElementById('room').value = 'sammenspil';
  });
  await idaPage.screenshot({ path: join(shots, 'browser-join.png') });
  await idaPage.click('#join');
  const noahPage = await h.joinFromPage(noah, server.url, { name: 'Noah', room: 'sammenspil' });
  const teacher = h.startCli(['--server', server.ws, '--room', 'sammenspil', '--name', 'Lise', '--tone', '660',
    '--tone-level', '0.4', '--record', join(dir, 'heard'), '--duration', '18']);
  await h.waitForState(idaPage, 'joined');
  await h.waitForState(noahPage, 'joined');
  await idaPage.waitForFunction(() => document.querySelectorAll('#strips .strip:not(.self)').length === 2,
    { timeout: 10_000 });
  await idaPage.evaluate(() => document.getElementById('chat-text').value = 'Skal vi tage omkvædet igen?');
  await idaPage.click('#chat-form button');
  await idaPage.waitForFunction(() => document.querySelectorAll('#chat-log li').length > 0, { timeout: 5000 });
  await h.sleep(600);  // a few meter updates
  // In an open room nobody holds the teacher's controls, so no strip offers them.
  const controlsShown = await idaPage.evaluate(() => [...document.querySelectorAll('.teacher-actions button')]
    .filter((b) => b.offsetParent !== null).length);
  assert.equal(controlsShown, 0, 'a student sees no teacher controls');
  await idaPage.screenshot({ path: join(shots, 'browser-room.png') });
  // Both pages were busy joining and being photographed: let their jitter buffers drain
  // any backlog before listening.
  await Promise.all([h.waitForSettled(idaPage, 2), h.waitForSettled(noahPage, 2)]);
  const [idaHeard, noahHeard] = await Promise.all([h.listen(idaPage, 5000), h.listen(noahPage, 5000)]);
  const report = await teacher.report;
  assert.equal(report.code, 0);

  const [idaHears550, idaHears660, idaHearsHerself] = h.toneShares(idaHeard, [550, 660, 440]);
  const [noahHears440, noahHears660, noahHearsHimself] = h.toneShares(noahHeard, [440, 660, 550]);
  console.log(`Ida hears Noah ${idaHears550.toFixed(2)} + Lise ${idaHears660.toFixed(2)};`
    + ` Noah hears Ida ${noahHears440.toFixed(2)} + Lise ${noahHears660.toFixed(2)} (shares of the mix)`);
  console.log(`Ida's streams while listening: ${idaHeard.streamEvents}`);
  console.log(`Noah's streams while listening: ${noahHeard.streamEvents}`);
  for (const share of [idaHears550, idaHears660, noahHears440, noahHears660]) assert.ok(share >= 0.3, `share ${share}`);
  assert.ok(idaHears550 + idaHears660 >= 0.8, 'Ida hears the two of them and little else');
  assert.ok(noahHears440 + noahHears660 >= 0.8, 'Noah hears the two of them and little else');
  assert.ok(idaHearsHerself < 0.02 && noahHearsHimself < 0.02, `nobody hears themselves: ${idaHearsHerself}, ${noahHearsHimself}`);

  for (const [name, hz] of [['Ida', 440], ['Noah', 550]]) {
    const peer = report.peers.find((p) => p.name === name);
    assert.ok(peer, `the teacher heard ${name}`);
    const heard = h.toneCorrelation(h.readWav(peer.wav).samples, hz);
    console.log(`Lise hears ${name}: correlation ${heard.median.toFixed(3)}`);
    assert.ok(heard.median >= 0.9, `${name}: ${heard.median}`);
  }
  for (const file of ['browser-join.png', 'browser-room.png'])
    assert.ok(statSync(join(shots, file)).size > 10_000, `${file} shows a page`);
});
