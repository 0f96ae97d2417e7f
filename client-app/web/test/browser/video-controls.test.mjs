// The teacher's video controls in a school's lesson, as a teacher and her students meet
// them: the teacher (signed in, Chromium) turns her camera on; a student invited by link
// (Chromium) waits, is let in, turns hers on, and each sees the other's picture; a second
// invited student (samspil-cli) is left in the waiting room and never gets a video frame.
// The teacher pins the student — shown large, and both pages say so — then turns her camera
// off: the student's page turns it off and will not turn it on, and the teacher's tile says
// why. Leaves a screenshot of the teacher's page with video in build/screenshots/.
// Real parts: samspil-server with a school, Debian's Chromium (WebCodecs VP8), samspil-cli.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

const english = (page) => page.evaluate(() => {
  const l = document.getElementById('language');
  l.value = 'en';
  l.dispatchEvent(new Event('change'));
});

// The pictures a page has decoded of a participant, and how many carried their time code.
const seenOf = (page, name) => page.evaluate((who) => {
  const peer = window.samspil.peers.find((p) => p.name === who);
  const f = peer && window.samspil.video?.receiver.figures.get(peer.stream_id);
  return { decoded: f?.decoded ?? 0, read: f?.glassToGlassMs.length ?? 0 };
}, name);

test('pin and the teacher\'s camera-off reach everyone, and a student in the waiting room gets no video',
  { timeout: 150_000 }, async () => {
    const dir = h.tempDir();
    const school = await h.startSchool(dir);
    const room = await school.api('POST', 'schools/1/rooms', { code: 'klaver-1', name: 'Klaverrummet' }, school.teacherToken);
    assert.equal(room.status, 201, JSON.stringify(room.body));
    const invite = async (name) => (await school.api('POST', `rooms/${room.body.id}/invites`,
      { guest_name: name, expires_in_minutes: 60 }, school.teacherToken)).body;
    const ida = await invite('Ida');
    const emil = await invite('Emil');

    const browser = await h.launchChromium(h.writeToneWav(join(dir, 'quiet.wav'), { hz: 1000, level: 0.05, seconds: 60 }));
    const teacher = await h.openPage(browser, `${school.server.url}/?camera=test-pattern&measure=1`);
    await teacher.setViewport({ width: 1200, height: 900 });
    await english(teacher);
    await h.signInOnPage(teacher, school.teacherLogin, 'lise-password-1');
    await teacher.evaluate(() => {
      document.getElementById('name').value = 'Lise';
      document.getElementById('room').value = 'klaver-1';
    });
    await teacher.click('#join');
    await teacher.waitForFunction(() => !document.getElementById('teacher-panel').hidden, { timeout: 15_000 });
    await teacher.click('#camera');

    const waiting = h.startCli(['--server', school.server.ws, '--invite', emil.code, '--room', 'klaver-1', '--name', 'Emil',
      '--watch', 'large', '--duration', '25']);
    // Her own browser (as on her own computer): a page in a background tab gets its timers slowed.
    const studentBrowser = await h.launchChromium(h.writeToneWav(join(dir, 'quiet2.wav'), { hz: 700, level: 0.05, seconds: 60 }));
    const student = await h.openPage(studentBrowser, `${ida.web_link}?camera=test-pattern&measure=1`);
    await english(student);
    await student.click('#join');
    await h.waitForState(student, 'waiting');
    await teacher.waitForFunction(() => document.querySelectorAll('#waiting-list button').length === 2, { timeout: 15_000 });
    await teacher.evaluate(() => [...document.querySelectorAll('#waiting-list button')].find((b) => b.textContent.includes('Ida')).click());
    await h.waitForState(student, 'joined');
    await student.click('#camera');

    // Each sees the other's picture, by the time code in its pixels.
    await teacher.waitForFunction(() => {
      const peer = window.samspil.peers.find((p) => p.name === 'Ida');
      return (window.samspil.video.receiver.figures.get(peer?.stream_id)?.glassToGlassMs.length ?? 0) > 10;
    }, { timeout: 30_000 });
    await student.waitForFunction(() => {
      const peer = window.samspil.peers.find((p) => p.role === 'teacher');
      return (window.samspil.video.receiver.figures.get(peer?.stream_id)?.glassToGlassMs.length ?? 0) > 10;
    }, { timeout: 30_000 });
    console.log(`Lise sees Ida: ${JSON.stringify(await seenOf(teacher, 'Ida'))}; Ida sees Lise: ${JSON.stringify(await seenOf(student, 'Lise Lærer'))}`);

    // The teacher pins Ida: large on the teacher's page, and Ida's page says she is shown large.
    await teacher.evaluate(() => {
      const tile = [...document.querySelectorAll('#tiles .tile:not(.self)')].find((t) => t.querySelector('.name').textContent === 'Ida');
      tile.querySelector('.pin').click();
    });
    await teacher.waitForFunction(() => {
      const tile = [...document.querySelectorAll('#tiles .tile:not(.self)')].find((t) => t.querySelector('.name').textContent === 'Ida');
      return tile.classList.contains('large') && !tile.querySelector('.pin-mark').hidden;
    }, { timeout: 10_000 });
    await student.waitForFunction(() => !document.querySelector('#self-tile .pin-mark').hidden, { timeout: 10_000 });
    const pinnedId = await student.evaluate(() => window.samspil.roomState.pinned_participant_id);
    assert.equal(pinnedId, await student.evaluate(() => window.samspil.welcome.participant_id));
    await h.sleep(1500);  // a few large pictures
    const shots = join(h.buildDir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    await teacher.screenshot({ path: join(shots, 'browser-video.png') });

    // The teacher turns Ida's camera off: Ida's page lets it go and will not turn it on again;
    // the teacher's tile says why there is no picture.
    await teacher.evaluate(() => {
      const tile = [...document.querySelectorAll('#tiles .tile:not(.self)')].find((t) => t.querySelector('.name').textContent === 'Ida');
      tile.querySelector('.camera-block').click();
    });
    await student.waitForFunction(() => window.samspil.video.sender.on === false
      && document.getElementById('camera').disabled, { timeout: 10_000 });
    const notice = await student.$eval('#notices', (e) => e.textContent);
    assert.match(notice, /turned your camera off/);
    await teacher.waitForFunction(() => {
      const tile = [...document.querySelectorAll('#tiles .tile:not(.self)')].find((t) => t.querySelector('.name').textContent === 'Ida');
      return /turned the camera off/.test(tile.querySelector('.tile-state').textContent);
    }, { timeout: 10_000 });
    await student.click('#camera');  // disabled: nothing happens
    await h.sleep(500);
    assert.equal(await student.evaluate(() => window.samspil.video.sender.on), false);

    // Emil waited all along: no welcome, no video token, not a single frame.
    waiting.kill('SIGTERM');
    const report = await waiting.report;
    assert.equal(report.joined, false);
    assert.equal(report.waited, true);
    assert.equal(report.video.link.frames_received, 0);
    assert.equal(report.video.link.video_websocket_opens, 0);
    assert.ok(statSync(join(shots, 'browser-video.png')).size > 30_000);
  });
