// The invite link end to end, as a teacher and a student use it: the teacher (API) makes an
// invite, the student opens its web link in Chromium, sees where it leads, waits in the
// waiting room, the teacher's samspil-cli (signed in, --admit-all) lets her in, and both
// hear each other; the teacher records the lesson and the guest's page shows it. A link whose invite has expired says so, in the page's language, with
// the server's word. Real parts: samspil-server with a school in its SQLite file,
// samspil-cli, Debian's Chromium.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

test('invite link: join page, waiting room, let in by the teacher, audio both ways; an expired link says so', { timeout: 120_000 }, async () => {
  const dir = h.tempDir();
  const school = await h.startSchool(dir);
  const room = await school.api('POST', 'schools/1/rooms', { code: 'klaver-1', name: 'Klaverrummet' }, school.teacherToken);
  assert.equal(room.status, 201, JSON.stringify(room.body));
  const invite = await school.api('POST', `rooms/${room.body.id}/invites`, { guest_name: 'Ida', expires_in_minutes: 60 },
    school.teacherToken);
  assert.equal(invite.status, 201, JSON.stringify(invite.body));
  // The API hands the teacher an ordinary web link next to the samspil:// one.
  assert.equal(invite.body.web_link, `${school.server.url}/join/${invite.body.code}`);

  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'a440.wav'), { hz: 440 }));
  const page = await h.openPage(browser, invite.body.web_link);
  const joinPage = await page.evaluate(() => ({ info: document.getElementById('invite-info').textContent,
    name: document.getElementById('name').value, roomRowHidden: document.getElementById('room-row').hidden }));
  assert.match(joinPage.info, /Klaverrummet/);
  assert.match(joinPage.info, /Vejle Musikskole/);
  assert.equal(joinPage.name, 'Ida', 'the invite\'s guest name is filled in');
  assert.equal(joinPage.roomRowHidden, true, 'no room code to type with an invite');
  await page.click('#join');

  // Nobody holds the room yet: the guest waits, and the page says so.
  await h.waitForState(page, 'waiting');
  const waitingText = await page.$eval('#status', (e) => e.textContent);
  assert.match(waitingText, /waiting room|venteværelset/);

  const teacher = h.startCli(['--server', school.server.ws, '--room', 'klaver-1', '--name', 'Lise',
    '--sign-in', school.teacherLogin, '--password-file', school.teacherPasswordFile, '--admit-all', '--record-lesson',
    '--tone', '660', '--record', join(dir, 'heard'), '--duration', '12']);
  await h.waitForState(page, 'joined', 20_000);
  // The teacher records the lesson: the guest's page says so plainly, in its language.
  await page.waitForFunction(() => !document.getElementById('recording').hidden, { timeout: 10_000 });
  const recording = await page.evaluate(() => ({ text: document.getElementById('recording').textContent,
    lang: document.documentElement.lang }));
  assert.match(recording.text, recording.lang === 'da' ? /optaget/ : /being recorded/);
  await h.waitForSettled(page, 1);
  const heardInPage = await h.listen(page, 5000);
  const report = await teacher.report;
  assert.equal(report.code, 0, 'the teacher\'s cli ran to its end');

  const inPage = h.toneCorrelation(heardInPage, 660);
  console.log(`the guest hears the teacher: correlation ${inPage.median.toFixed(3)} over ${inPage.windows} windows`);
  assert.ok(inPage.windows > 60, 'the page played the teacher');
  assert.ok(inPage.median >= 0.9, `correlation ${inPage.median}`);
  const ida = report.peers.find((p) => p.name === 'Ida');
  assert.ok(ida, 'the teacher heard the guest');
  const inCli = h.toneCorrelation(h.readWav(ida.wav).samples, 440);
  console.log(`the teacher hears the guest: correlation ${inCli.median.toFixed(3)} over ${inCli.windows} windows`);
  assert.ok(inCli.windows > 60);
  assert.ok(inCli.median >= 0.9, `correlation ${inCli.median}`);

  // A second invite that has expired (its time set in the past in the school's database, as
  // if a day went by): the link's page says so instead of offering to join.
  const old = await school.api('POST', `rooms/${room.body.id}/invites`, { guest_name: 'Otto' }, school.teacherToken);
  assert.equal(old.status, 201);
  execFileSync('sqlite3', [school.db, `UPDATE invites SET expires_at_ms = 1 WHERE id = ${old.body.id}`]);
  const expired = await h.openPage(browser, old.body.web_link);
  const shown = await expired.evaluate(() => ({ info: document.getElementById('invite-info').textContent,
    joinDisabled: document.getElementById('join').disabled, lang: document.documentElement.lang }));
  assert.equal(shown.joinDisabled, true);
  assert.match(shown.info, shown.lang === 'da' ? /udløbet/ : /has expired/);
  assert.match(shown.info, /expired/, 'with the server\'s own word');
});
