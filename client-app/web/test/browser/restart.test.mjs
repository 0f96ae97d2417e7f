// The page survives a server restart: it says it is reconnecting, comes back by itself
// with the protocol's backoff, and plays the teacher again. Real parts: samspil-server
// (stopped with SIGTERM and started again on the same port and SQLite file), samspil-cli,
// Debian's Chromium.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

test('a server restart: the page reconnects by itself and the audio comes back', { timeout: 120_000 }, async () => {
  const dir = h.tempDir();
  let server = await h.startServer(dir);
  const port = server.port;
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440 }));
  h.startCli(['--server', server.ws, '--room', 'lesson', '--name', 'Lise', '--tone', '660', '--duration', '40']);
  const page = await h.joinFromPage(browser, server.url, { name: 'Ida', room: 'lesson' });
  await h.waitForState(page, 'joined');
  await h.waitForSettled(page, 1);
  const before = h.toneCorrelation(await h.listen(page, 3000), 660);
  assert.ok(before.median >= 0.9, `before the restart: ${before.median}`);

  assert.equal(await h.stopServer(server), 0);
  await h.waitForState(page, 'reconnecting', 10_000);
  const said = await page.$eval('#status', (e) => e.textContent);
  assert.match(said, /trying again|prøver igen/);

  server = await h.startServer(dir, ['--open-rooms'], { port });
  await h.waitForState(page, 'joined', 30_000);
  const reconnects = await page.evaluate(() => window.samspil.session.counters.reconnects);
  assert.equal(reconnects, 1);
  await h.waitForSettled(page, 1);
  const afterRestart = h.toneCorrelation(await h.listen(page, 3000), 660);
  console.log(`the page hears the teacher: correlation ${before.median.toFixed(3)} before,`
    + ` ${afterRestart.median.toFixed(3)} after the restart`);
  assert.ok(afterRestart.windows > 40, 'audio is back');
  assert.ok(afterRestart.median >= 0.9, `after the restart: ${afterRestart.median}`);
});
