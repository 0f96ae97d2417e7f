// The page's media twin: a second WebSocket with the same media (docs/protocol.md, "The
// media twin"). With ?twin=1 the student still hears the teacher and is heard, the twin
// really carries media both ways, and the teacher (on a plain WebSocket) gets each frame
// once although the page sent it twice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

test('a page on two WebSockets (the media twin) hears and is heard, each frame once', { timeout: 90_000 }, async () => {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440 }));
  const teacher = h.startCli(['--server', server.ws, '--room', 'lesson', '--name', 'Lise', '--tone', '660', '--no-udp',
    '--record', join(dir, 'heard'), '--duration', '12']);
  const page = await h.joinFromPage(browser, `${server.url}/?twin=1`, { name: 'Ida', room: 'lesson' });
  await h.waitForState(page, 'joined', 10_000);
  await h.waitForSettled(page, 1);
  await page.evaluate(() => window.samspil.audio.setTap(true));
  await h.sleep(5000);
  const heardInPage = await h.tapOf(page);
  const counters = await page.evaluate(() => ({ ...window.samspil.session.counters }));
  const copiesDropped = await page.evaluate(() => window.samspil.audio.stats.copiesDropped);
  const report = await teacher.report;
  assert.equal(report.code, 0);

  const inPage = h.toneCorrelation(heardInPage, 660);
  console.log(`page hears the cli: correlation ${inPage.median.toFixed(3)}; twin sent ${counters.twinSent},`
    + ` received ${counters.twinReceived}; second copies kept from the decoder ${copiesDropped}`);
  assert.ok(inPage.median >= 0.9, `correlation ${inPage.median}`);
  assert.ok(counters.twinSent > 500, 'the page sent its media on the twin too');
  assert.ok(counters.twinReceived > 500, 'the twin brought the teacher again');
  assert.ok(copiesDropped > 500, 'the second copies were recognised and never decoded');

  const ida = report.peers.find((p) => p.name === 'Ida');
  assert.ok(ida, 'the teacher heard Ida');
  const inCli = h.toneCorrelation(h.readWav(ida.wav).samples.subarray(48000), 440);
  console.log(`cli hears the page: correlation ${inCli.median.toFixed(3)}; received ${ida.received}, duplicates ${ida.duplicates}`);
  assert.ok(inCli.median >= 0.9, `correlation ${inCli.median}`);
  assert.ok(ida.received > 1000);
  assert.equal(ida.duplicates, 0, 'the server passed each frame on once');
});
