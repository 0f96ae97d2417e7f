// A take recorded from the page, as a teacher does it: signed in, she joins her school's
// room, starts the room's metronome, presses "Record a take"; the page counts the bar in
// (4, 3, 2, 1) and then says a take is being recorded, while a student on samspil-cli plays
// on the click. Stopped, it appears in her recordings as a take with its tempo, and the
// student's client saw the same bar lines. Real parts: samspil-server with a school in its
// SQLite file, Chromium, samspil-cli.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as h from './harness.mjs';

after(h.stopAll);

test('a take from the teacher\'s page: count-in on the room\'s metronome, then the take, listed with its tempo', { timeout: 90_000 }, async () => {
  const dir = h.tempDir();
  const school = await h.startSchool(dir);
  const room = await school.api('POST', 'schools/1/rooms', { code: 'klaver-1', name: 'Klaverrummet' }, school.teacherToken);
  assert.equal(room.status, 201, JSON.stringify(room.body));
  assert.equal((await school.api('PATCH', `rooms/${room.body.id}`, { drop_in: true }, school.teacherToken)).status, 200);
  const added = await school.api('POST', 'schools/1/members', { login: 'sofie@vejle', display_name: 'Sofie Elev',
    password: 'elev-password-1', role: 'student' }, school.adminToken);
  assert.equal(added.status, 201, JSON.stringify(added.body));
  writeFileSync(join(dir, 'student-password'), 'elev-password-1\n');

  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'quiet.wav'), { hz: 1000, level: 0 }));
  const page = await h.openPage(browser, `${school.server.url}/`);
  await page.evaluate(() => { const l = document.getElementById('language'); l.value = 'en'; l.dispatchEvent(new Event('change')); });
  await h.signInOnPage(page, school.teacherLogin, 'lise-password-1');
  await page.evaluate(() => {
    document.getElementById('name').value = 'Lise';
    document.getElementById('room').value = 'klaver-1';
  });
  await page.click('#join');
  await page.waitForFunction(() => !document.getElementById('teacher-panel').hidden, { timeout: 15_000 });
  const student = h.startCli(['--server', school.server.ws, '--room', 'klaver-1', '--name', 'Sofie',
    '--sign-in', 'sofie@vejle', '--password-file', join(dir, 'student-password'), '--play-on-click', '--duration', '11']);

  // Without the room's metronome there is nothing to count in on: the button says so.
  const before = await page.evaluate(() => { const b = document.getElementById('record-take');
    return { text: b.textContent, disabled: b.disabled, title: b.title }; });
  assert.equal(before.text, 'Record a take');
  assert.equal(before.disabled, true);
  assert.match(before.title, /metronome first/);

  await page.evaluate(() => { document.getElementById('metronome-bpm').value = '120'; });
  await page.click('#metronome-start');
  await page.waitForFunction(() => !document.getElementById('record-take').disabled, { timeout: 10_000 });
  // Every text the recording line shows, in order.
  await page.evaluate(() => {
    window.recordingLines = [];
    const line = document.getElementById('recording');
    new MutationObserver(() => {
      if (window.recordingLines.at(-1) !== line.textContent) window.recordingLines.push(line.textContent);
    }).observe(line, { childList: true, characterData: true, subtree: true });
  });
  await page.click('#record-take');
  try {
    await page.waitForFunction(() => document.getElementById('recording').dataset.phase === 'take', { timeout: 10_000 });
  } catch (error) {
    const seen = await page.evaluate(() => ({ phase: document.getElementById('recording').dataset.phase,
      lines: window.recordingLines, state: window.samspil?.session?.state, notices: document.body.innerText.slice(-600) }));
    throw new Error(`the take did not begin: ${JSON.stringify(seen)}`);
  }
  await h.sleep(3000);
  const during = await page.evaluate(() => ({ lines: window.recordingLines, takeHidden: document.getElementById('record-take').hidden,
    stop: document.getElementById('record').textContent }));
  console.log(`the teacher's page during the take: ${JSON.stringify(during.lines)}`);
  assert.deepEqual(during.lines, ['● Count-in … 4', '● Count-in … 3', '● Count-in … 2', '● Count-in … 1',
    '● Recording a take (120 BPM)']);
  assert.equal(during.takeHidden, true, 'no second take while one is recorded');
  assert.equal(during.stop, 'Stop recording');
  await page.click('#record');
  await page.waitForFunction(() => document.getElementById('recording').hidden, { timeout: 10_000 });
  await page.click('#leave');

  // Her recordings: the take, with its tempo; the API says the same.
  await page.waitForFunction(() => document.querySelector('.recording-item .facts')?.textContent.includes('take at'), { timeout: 15_000 });
  const facts = await page.evaluate(() => document.querySelector('.recording-item .facts').textContent);
  console.log(`the take in her recordings: ${facts}`);
  assert.match(facts, /take at 120 BPM, 4\/bar/);
  assert.match(facts, /Sofie Elev/);
  await page.evaluate(() => { const l = document.getElementById('language'); l.value = 'da'; l.dispatchEvent(new Event('change')); });
  assert.match(await page.evaluate(() => document.querySelector('.recording-item .facts').textContent), /take i 120 BPM, 4\/takt/);
  const listed = await school.api('GET', 'recordings', null, school.teacherToken);
  assert.deepEqual(listed.body.recordings[0].take, { bpm: 120, beats_per_bar: 4 });

  // The student's client saw the same take: a bar of count-in (2 s at 120 BPM), then the take.
  const report = await student.report;
  assert.equal(report.code, 0, student.output.stderr);
  assert.equal(report.take.start_server_us - report.take.count_in_server_us, 2_000_000);
});
