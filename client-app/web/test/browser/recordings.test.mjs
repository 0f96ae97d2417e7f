// Listening back in the page, as a student and a teacher do after a recorded lesson: the
// teacher's samspil-cli records a lesson with a student's samspil-cli; the student signs in
// on the page and finds it under "Your recordings" (title, date, length, who is in it),
// plays the mix in the page's <audio> element from the middle (a seek: the API's Range
// support) and hears both of them; the download links give Ogg Opus files. A classmate who
// was not there sees none; the student has no Delete, the teacher has, and deleting removes
// it. Real parts: samspil-server with a school in its SQLite file, two samspil-cli, Chromium.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as h from './harness.mjs';

after(h.stopAll);

/** Plays the item's mix from `fromSeconds` for about 1.5 s through Web Audio and returns what it played. */
async function playMix(page, fromSeconds) {
  const result = await page.evaluate(async (from) => {
    const player = document.querySelector('.recording-item audio');
    if (player.readyState < 1) await new Promise((resolve) => player.addEventListener('loadedmetadata', resolve, { once: true }));
    const context = new AudioContext({ sampleRate: 48000 });
    const source = context.createMediaElementSource(player);
    const catcher = context.createScriptProcessor(4096, 1, 1);
    const heard = [];
    catcher.onaudioprocess = (event) => { if (!player.paused) heard.push(...event.inputBuffer.getChannelData(0)); };
    source.connect(catcher).connect(context.destination);
    player.currentTime = from;
    await new Promise((resolve) => player.addEventListener('seeked', resolve, { once: true }));
    const seekedTo = player.currentTime;
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    player.pause();
    return { duration: player.duration, seekedTo, playedTo: player.currentTime, error: player.error?.message ?? null,
      heard: heard.map((v) => Math.round(v * 32767)) };
  }, fromSeconds);
  return { ...result, heard: Float32Array.from(result.heard, (v) => v / 32767) };
}

test('a recorded lesson in the page: listen, seek, download; only the people who were there see it', { timeout: 150_000 }, async () => {
  const dir = h.tempDir();
  const school = await h.startSchool(dir);
  const room = await school.api('POST', 'schools/1/rooms', { code: 'klaver-1', name: 'Klaverrummet' }, school.teacherToken);
  assert.equal(room.status, 201, JSON.stringify(room.body));
  assert.equal((await school.api('PATCH', `rooms/${room.body.id}`, { drop_in: true }, school.teacherToken)).status, 200);
  for (const [login, name] of [['sofie@vejle', 'Sofie Elev'], ['otto@vejle', 'Otto Elev']]) {
    const added = await school.api('POST', 'schools/1/members', { login, display_name: name,
      password: 'elev-password-1', role: 'student' }, school.adminToken);
    assert.equal(added.status, 201, JSON.stringify(added.body));
  }
  const studentPasswordFile = join(dir, 'student-password');
  (await import('node:fs')).writeFileSync(studentPasswordFile, 'elev-password-1\n');

  // The lesson: the teacher plays 660 Hz and records; the student joins and plays 440 Hz.
  const teacher = h.startCli(['--server', school.server.ws, '--room', 'klaver-1', '--name', 'Lise',
    '--sign-in', school.teacherLogin, '--password-file', school.teacherPasswordFile, '--record-lesson',
    '--tone', '660', '--duration', '6']);
  await h.sleep(700);
  const student = h.startCli(['--server', school.server.ws, '--room', 'klaver-1', '--name', 'Sofie',
    '--sign-in', 'sofie@vejle', '--password-file', studentPasswordFile, '--tone', '440', '--duration', '5']);
  assert.equal((await student.report).code, 0, student.output.stderr);
  assert.equal((await teacher.report).code, 0, teacher.output.stderr);

  const browser = await h.launchChromium(h.writeToneWav(join(dir, 'quiet.wav'), { hz: 1000, level: 0 }));
  const page = await h.openPage(browser, `${school.server.url}/`);
  await page.evaluate(() => { const l = document.getElementById('language'); l.value = 'en'; l.dispatchEvent(new Event('change')); });
  await h.signInOnPage(page, 'sofie@vejle', 'elev-password-1');
  // The mix is made seconds after the lesson; the page shows its player when it is there.
  await page.waitForSelector('.recording-item audio', { timeout: 30_000 });
  const shown = await page.evaluate(() => {
    const item = document.querySelector('.recording-item');
    return { heading: document.getElementById('recordings-heading').textContent, title: item.querySelector('h3').textContent,
      facts: item.querySelector('.facts').textContent, count: document.querySelectorAll('.recording-item').length,
      links: [...item.querySelectorAll('.downloads a')].map((a) => ({ text: a.textContent, href: a.href })),
      canDelete: Boolean(item.querySelector('button.delete')) };
  });
  console.log(`the student's page: ${shown.title} — ${shown.facts}; ${shown.links.length} download links`);
  assert.equal(shown.heading, 'Your recordings');
  assert.equal(shown.count, 1);
  assert.equal(shown.title, 'Klaverrummet');
  assert.match(shown.facts, /length 0:0[4-7]/);
  assert.match(shown.facts, /Lise Lærer/);
  assert.match(shown.facts, /Sofie Elev/);
  assert.match(shown.facts, new RegExp(String(new Date().getFullYear())));
  assert.equal(shown.canDelete, false, 'a student may listen, not delete');
  assert.deepEqual(shown.links.map((l) => l.text),
    ['Download the mix', 'Download the track: Lise Lærer', 'Download the track: Sofie Elev']);

  // Played from 2 s in: the element seeked there (Range requests) and both are heard.
  const played = await playMix(page, 2);
  const shares = h.toneShares(played.heard, [660, 440, 1000]);
  console.log(`the mix in the page: ${played.duration.toFixed(2)} s long, seeked to ${played.seekedTo.toFixed(2)} s, `
    + `played to ${played.playedTo.toFixed(2)} s; tone shares 660 Hz ${shares[0].toFixed(2)}, 440 Hz ${shares[1].toFixed(2)}, `
    + `1 kHz ${shares[2].toFixed(3)} over ${played.heard.length} samples`);
  assert.equal(played.error, null);
  assert.ok(played.duration > 4 && played.duration < 8, `duration ${played.duration}`);
  assert.ok(Math.abs(played.seekedTo - 2) < 0.1, `seeked to ${played.seekedTo}`);
  assert.ok(played.playedTo > 2.8, `played to ${played.playedTo}`);
  assert.ok(played.heard.length > 24000, 'the element played through Web Audio');
  assert.ok(shares[0] > 0.2 && shares[1] > 0.2, `teacher and student both in the mix: ${shares}`);
  assert.ok(shares[2] < 0.02, `nothing else: ${shares[2]}`);

  // The download links: Ogg Opus files, no Authorization header needed.
  const downloads = await page.evaluate(async (hrefs) => Promise.all(hrefs.map(async (href) => {
    const answer = await fetch(href);
    const bytes = new Uint8Array(await answer.arrayBuffer());
    return { status: answer.status, type: answer.headers.get('content-type'),
      disposition: answer.headers.get('content-disposition'), magic: String.fromCharCode(...bytes.slice(0, 4)),
      opusHead: new TextDecoder().decode(bytes.slice(28, 36)) };
  })), shown.links.map((l) => l.href));
  for (const d of downloads) {
    assert.equal(d.status, 200);
    assert.equal(d.type, 'audio/ogg');
    assert.match(d.disposition, /filename="samspil-recording-\d+-(mix|track-\d+)\.opus"/);
    assert.equal(d.magic, 'OggS');
    assert.equal(d.opusHead, 'OpusHead');
  }

  // A classmate who was not in the lesson: nothing to see, said in Danish.
  const classmate = await h.openPage(browser, `${school.server.url}/`);
  await classmate.evaluate(() => { const l = document.getElementById('language'); l.value = 'da'; l.dispatchEvent(new Event('change')); });
  await h.signInOnPage(classmate, 'otto@vejle', 'elev-password-1');
  const empty = await classmate.evaluate(() => ({ items: document.querySelectorAll('.recording-item').length,
    text: document.getElementById('recordings-empty').textContent, hidden: document.getElementById('recordings-empty').hidden }));
  assert.equal(empty.items, 0);
  assert.equal(empty.hidden, false);
  assert.match(empty.text, /Ingen optagelser endnu/);

  // The teacher deletes it from the page (after saying yes); it is gone for everyone.
  const teacherPage = await h.openPage(browser, `${school.server.url}/`);
  await h.signInOnPage(teacherPage, school.teacherLogin, 'lise-password-1');
  teacherPage.on('dialog', (dialog) => dialog.accept());
  await teacherPage.click('.recording-item button.delete');
  await teacherPage.waitForFunction(() => document.querySelectorAll('.recording-item').length === 0
    && !document.getElementById('recordings-empty').hidden, { timeout: 10_000 });
  const listed = await school.api('GET', 'recordings', null, school.adminToken);
  assert.equal(listed.body.recordings.length, 0, 'deleted on the server');
  const gone = await page.evaluate(async (href) => (await fetch(href)).status, shown.links[0].href);
  assert.equal(gone, 404, 'the mix is gone');
});
