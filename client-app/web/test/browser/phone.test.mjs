// A student on a phone-sized screen who uses only the keyboard, and a screen reader's view:
// the page fits a 360 px wide screen without sideways scrolling, joins with Tab, typing and
// Enter, mutes the student and sends a chat line from the keyboard, and every control it
// shows has a name in the accessibility tree Chromium gives screen readers. Also takes the
// phone screenshot docs/browser.md shows. Real parts: samspil-server, samspil-cli, Chromium.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

const PHONE = { width: 360, height: 740, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const CONTROL_ROLES = new Set(['button', 'textbox', 'checkbox', 'slider', 'combobox', 'meter', 'link', 'img']);

// Presses Tab until the element with `id` has the focus (at most `limit` presses); returns
// how many it took. Fails when the keyboard cannot get there.
async function tabTo(page, id, limit = 25) {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return presses;
  }
  assert.fail(`the keyboard never reached #${id}`);
}

// Whatever is shown sticks out past the right edge of the screen (or makes it scroll sideways).
async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll('body *')]
      .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
      .map((e) => e.id || e.className || e.tagName);
    if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth} px wide`);
    return out;
  });
}

// Controls in Chromium's accessibility tree (what a screen reader reads) that have no name.
async function unnamedControls(page) {
  const cdp = await page.createCDPSession();
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  return nodes.filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value) && !(n.name?.value ?? '').trim())
    .map((n) => `${n.role.value} (DOM node ${n.backendDOMNodeId})`);
}

test('a phone-sized screen, the keyboard alone, and a name for every control', { timeout: 120_000 }, async () => {
  const dir = h.tempDir();
  const server = await h.startServer(dir);
  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440 }));
  const page = await browser.newPage();
  await page.setViewport(PHONE);
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.samspil?.ready === true, { timeout: 15_000 });

  assert.deepEqual(await overflow(page), [], 'the join page fits the phone');
  assert.deepEqual(await unnamedControls(page), [], 'every control on the join page has a name');

  await tabTo(page, 'name');
  await page.keyboard.type('Ida');
  await tabTo(page, 'room');
  await page.keyboard.type('sammenspil');
  await page.keyboard.press('Enter');
  await h.waitForState(page, 'joined');

  h.startCli(['--server', server.ws, '--room', 'sammenspil', '--name', 'Lise', '--tone', '660',
    '--duration', '20']);
  await page.waitForFunction(() => document.querySelectorAll('#strips .strip:not(.self)').length === 1, { timeout: 10_000 });
  await h.sleep(1000);  // figures and the quality light filled in
  assert.deepEqual(await overflow(page), [], 'the room fits the phone');
  assert.deepEqual(await unnamedControls(page), [], 'every control in the room has a name');
  const shots = join(h.buildDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'browser-phone.png') });

  // Mute me from the keyboard: the page stops sending sound (its own strip goes quiet).
  await tabTo(page, 'mute-me');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => window.samspil.audio.selfMuted), true, 'Space on "mute me" mutes');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => window.samspil.audio.selfMuted), false, 'and unmutes');

  // A chat line: Tab to the chat field, type, Enter.
  await tabTo(page, 'chat-text');
  await page.keyboard.type('Hej Lise!');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('#chat-log li')].some((li) => li.textContent.includes('Hej Lise!')),
    { timeout: 5000 });

  // Leave from the keyboard too: back on the join page.
  await tabTo(page, 'leave', 40);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('join-page').hidden, { timeout: 5000 });
});
