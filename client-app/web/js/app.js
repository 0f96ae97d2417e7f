// The page: the join form (an invite link, a room code, or a school sign-in), the
// microphone check, and the room — a strip per participant, my own strip, chat, the waiting
// room, notices, the room's tempo, the teacher's controls. Main thread; the sound is
// audio.js's, the connection session.js's.
import { browserSupport, RoomAudio } from './audio.js';
import * as protocol from './protocol.js';
import { RecordingsList } from './recordings.js';
import { RoomMetronome } from './room-metronome.js';
import { Session } from './session.js';
import { RoomVideo } from './video.js';
import { currentLanguage, setLanguage, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
// The camera symbol beside a name whose camera is on (drawn, so it needs no emoji font).
const CAMERA_ICON = '<svg viewBox="0 0 24 16" width="20" height="14" aria-hidden="true"><rect x="0" y="2" width="15" '
  + 'height="12" rx="2"/><path d="M16 6 24 2v12l-8-4z"/></svg>';
const page = { invite: undefined, room: undefined, token: undefined, audio: undefined, session: undefined,
  peers: [], roomState: undefined, welcome: undefined, strips: new Map(), tiles: new Map(), chat: [] };
window.samspil = page;  // the tests look in here

function applyLanguage() {
  document.documentElement.lang = currentLanguage();
  $('language').value = currentLanguage();
  for (const element of document.querySelectorAll('[data-t]')) element.textContent = t(element.dataset.t);
  $('mic-meter').setAttribute('aria-label', t('micLevel'));
  $('self-meter').setAttribute('aria-label', t('yourLevel'));
  $('chat-text').setAttribute('aria-label', t('say'));
  $('chat-text').placeholder = t('say');
  renderStatus();
  renderCameraButton();
}

async function init() {
  setLanguage(currentLanguage());
  $('language').addEventListener('change', (event) => {
    setLanguage(event.target.value);
    applyLanguage();
    if ($('unsupported').dataset.reason) showUnsupported($('unsupported').dataset.reason);
    renderRoom();
    page.recordings?.render();
  });
  applyLanguage();
  $('name').value = localStorage.getItem('samspil.name') ?? '';
  const match = location.pathname.match(/^\/join\/([A-Za-z0-9-]{1,64})$/);
  if (match) await showInvite(match[1]);
  const support = await browserSupport();
  if (!support.ok) {
    showUnsupported(support.reason);
    $('join').disabled = true;
  }
  $('check-sound').addEventListener('click', checkSound);
  $('join-form').addEventListener('submit', (event) => {
    event.preventDefault();
    join();
  });
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn();
  });
  $('leave').addEventListener('click', leave);
  $('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('chat-text').value.trim();
    if (text) page.session?.sendChat(text);
    $('chat-text').value = '';
  });
  $('input-gain').addEventListener('input', (event) => { if (page.audio) page.audio.inputGain = Number(event.target.value); });
  $('mute-me').addEventListener('change', (event) => { if (page.audio) page.audio.selfMuted = event.target.checked; });
  $('lock').addEventListener('click', () => page.session?.sendControl(protocol.lock(!page.roomState?.locked)));
  $('record').addEventListener('click', () => page.session?.sendControl(protocol.record(!page.roomState?.recording)));
  $('record-take').addEventListener('click', () => page.session?.sendControl(protocol.record(true, true)));
  const sendMetronome = (running) => page.session?.sendControl(protocol.metronome({
    running, bpm: Math.min(400, Math.max(20, Number($('metronome-bpm').value) || 90)), beatsPerBar: 4,
    intervalBars: Number($('metronome-mode').value) || 0 }));
  $('metronome-start').addEventListener('click', () => sendMetronome(!page.metronome?.grid));
  // A change of mode while the click runs goes to the room at once (it takes effect on a bar line).
  $('metronome-mode').addEventListener('change', () => { if (page.metronome?.grid) sendMetronome(true); });
  $('hear-click').addEventListener('change', (event) => { if (page.metronome) page.metronome.audible = event.target.checked; });
  $('camera').addEventListener('click', toggleCamera);
  $('layout').addEventListener('change', (event) => page.video?.setLayout(event.target.value));
  setInterval(renderMeters, 250);
  page.ready = true;
}

async function showInvite(code) {
  page.invite = code;
  $('room-row').hidden = true;
  const answer = await fetch(`/api/v1/invites/lookup?code=${encodeURIComponent(code)}`);
  const body = await answer.json().catch(() => ({}));
  const info = $('invite-info');
  info.hidden = false;
  if (!answer.ok) {
    page.inviteProblem = body.error?.message ?? String(answer.status);
    info.className = 'problem';
    info.setAttribute('role', 'alert');
    info.textContent = `${inviteProblemSentence(page.inviteProblem)} ${t('serverSays', { why: page.inviteProblem })}`;
    $('join').disabled = true;
    return;
  }
  page.room = body.room_code;
  info.textContent = `${t('inviteFor')} ${[body.lesson_title, body.room_name, body.school_name].filter(Boolean).join(' · ')}`;
  // The server admits the guest under the name the teacher gave the invite.
  if (body.guest_name) $('name').value = body.guest_name;
}

// Why this browser cannot join, in words a student or a school's IT person can act on: a
// page opened over plain http (no microphone outside a secure context) or without its
// isolation headers links to the guide that sets the server up; a missing browser feature
// is named. Never the bare reason word.
function showUnsupported(reason) {
  const box = $('unsupported');
  box.replaceChildren();
  if (reason === 'insecure' || reason === 'isolation') {
    const guide = document.createElement('a');
    guide.href = '/docs/operations.md';
    guide.textContent = t('tlsGuide');
    box.append(t(reason), guide, '.');
  } else {
    const missing = { worklet: 'missingWorklet', webcodecs: 'missingWebcodecs', opus: 'missingOpus' }[reason] ?? 'missingWebcodecs';
    box.textContent = t('unsupported', { missing: t(missing) });
  }
  box.hidden = false;
  box.dataset.reason = reason;
}

// What to do about a dead invite, from the server's sentence, which ends with its reason
// in brackets (api.md: unknown, expired, withdrawn, already used).
function inviteProblemSentence(message) {
  const reason = /\((expired|withdrawn|already used|unknown)[^)]*\)\s*$/.exec(message)?.[1];
  const key = { expired: 'inviteExpired', withdrawn: 'inviteWithdrawn', 'already used': 'inviteUsed', unknown: 'inviteUnknown' }[reason];
  return key ? t(key) : t('inviteProblem', { why: message });
}

// 5 ms frames unless the link asks for 2.5 or 10 (`?frame_ms=2.5`): a teacher may choose
// shorter frames for a short line, longer ones for a weak computer.
function frameSamplesFromUrl() {
  const asked = Number(new URLSearchParams(location.search).get('frame_ms'));
  return { 2.5: 120, 5: 240, 10: 480 }[asked] ?? 240;
}

async function openAudio() {
  if (page.audio) return page.audio;
  try {
    page.audio = await RoomAudio.open({ frameSamples: frameSamplesFromUrl() });
    await page.audio.resume();
  } catch (error) {
    $('mic-verdict').textContent = t('micDenied');
    throw error;
  }
  return page.audio;
}

async function checkSound() {
  const audio = await openAudio();
  const started = performance.now();
  const timer = setInterval(() => {
    $('mic-meter').value = audio.inputLevel;
    if (performance.now() - started > 1500)
      $('mic-verdict').textContent = audio.inputLevel > 0.01 ? t('micOk') : t('micSilent');
  }, 100);
  setTimeout(() => clearInterval(timer), 10000);
}

async function signIn() {
  const answer = await fetch('/api/v1/sign-in', { method: 'POST',
    body: JSON.stringify({ login: $('login').value, password: $('password').value }) });
  const body = await answer.json().catch(() => ({}));
  $('password').value = '';  // used once, never kept
  if (!answer.ok) {
    $('sign-in-status').textContent = t('signInFailed', { why: body.error?.message ?? answer.status });
    return;
  }
  page.token = body.token;
  $('name').value = body.person?.display_name ?? $('name').value;
  $('sign-in-status').textContent = t('signedIn', { name: $('name').value });
  showRecordings();
}

// A signed-in person's recordings, below the join form (not while in a room).
function showRecordings() {
  page.recordings?.stop();
  page.recordings = new RecordingsList({ list: $('recordings-list'), empty: $('recordings-empty'),
    problem: $('recordings-problem'), token: page.token });
  $('recordings-page').hidden = false;
  page.recordings.refresh();
}

// The media twin (a second WebSocket with the same media, docs/browser.md): `?twin=1` or
// `?twin=0` in the address overrides the default.
const MEDIA_TWIN_BY_DEFAULT = false;
function mediaTwinWanted() {
  const asked = new URLSearchParams(location.search).get('twin');
  return asked === null ? MEDIA_TWIN_BY_DEFAULT : asked === '1';
}

async function join() {
  const name = $('name').value.trim();
  const room = page.room ?? $('room').value.trim();
  if (!name || !room) return;
  localStorage.setItem('samspil.name', name);
  const audio = await openAudio();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const session = new Session({ url: `${scheme}//${location.host}/ws`, room, name, token: page.token, invite: page.invite,
    channels: 1, frameSamples: audio.frameSamples, mediaTwin: mediaTwinWanted() }, {
    onState: (state, reason) => {
      page.state = state;
      page.reason = reason;
      (page.stateSinceMs ??= {})[state] ??= performance.now();  // when each state was first reached
      renderStatus();
    },
    onWelcome: (m) => {
      page.welcome = m;
      video.onWelcome(m);
    },
    onPeers: (m) => {
      page.peers = m.peers;
      audio.setPeers(m.peers, session.selfStreamId);
      video.setPeers(m.peers, page.welcome?.participant_id);
      renderRoom();
    },
    onRoomState: (m) => {
      page.roomState = m;
      video.setPinned(m.pinned_participant_id ?? 0);
      renderRoom();
    },
    onVideoDemand: (m) => video.onDemand(m),
    onNotice: (m) => {
      // Notices the page knows are said in the page's language; a recording also gets a cue.
      const known = { recording_started: 'recordingStarted', recording_stopped: 'recordingStopped', muted: 'mutedByTeacher',
        camera_blocked: 'cameraBlockedSelf', camera_allowed: 'cameraAllowedSelf' };
      addNotice(known[m.code] ? t(known[m.code]) : m.message);
      if (m.code === 'recording_started' || m.code === 'recording_stopped') playCue(m.code === 'recording_started');
    },
    onChat: (m) => addChat(m),
    onChatHistory: (m) => m.messages.forEach(addChat),
    onMetronome: (m) => {
      page.metronome ??= new RoomMetronome(audio.context, () => session.offsetUs);
      page.metronome.audible = $('hear-click').checked;
      page.metronome.follow(m);
      audio.followRoomGrid(m.running ? m : undefined);
      renderRoom();
    },
    onTempo: (m) => { $('tempo').textContent = t('tempo', { bpm: m.bpm, num: m.numerator, den: m.denominator, name: m.name }); },
    onError: (m) => {
      if (m.fatal && m.code !== 'moved') page.refusalCode = m.code;  // moved: the session follows it
      else addNotice(m.message);
    },
    onMedia: (packets, arrivalUs) => audio.receive(packets, arrivalUs),
  });
  page.session = session;
  // Video beside the sound (video.js): ?camera=test-pattern films the test pattern instead of a camera.
  const params = new URLSearchParams(location.search);
  const video = new RoomVideo({ session, url: () => session.currentUrl, audioStats: () => audio.stats,
    audioTotals: () => audio.totals(),
    testPattern: params.get('camera') === 'test-pattern', onChange: () => renderTiles() });
  video.receiver.measure = params.get('measure') === '1';
  page.video = video;
  audio.attach(session);
  session.start();
  $('join-page').hidden = true;
  $('recordings-page').hidden = true;
  $('room-page').hidden = false;
}

function leave() {
  page.metronome?.stop();
  page.video?.leave();
  page.video = undefined;
  for (const tile of page.tiles.values()) tile.remove();
  page.tiles.clear();
  $('self-tile').hidden = true;
  renderCameraButton();
  page.session?.leave();
  page.session = undefined;
  $('room-page').hidden = true;
  $('join-page').hidden = false;
  if (page.token) showRecordings();  // a lesson just recorded is there now
}

function renderStatus() {
  const status = $('status');
  if (!status || !page.state) return;
  const why = page.reason ? ` (${page.reason})` : '';
  if (page.state === 'refused' && page.refusalCode === 'invalid_invite') {
    status.textContent = `${inviteProblemSentence(page.reason)} ${t('serverSays', { why: page.reason })}`;
    return;
  }
  status.textContent = page.state === 'refused' ? t('refused', { why: page.reason })
    : page.state === 'reconnecting' ? t('reconnecting') + why : t(page.state);
}

// "● This lesson is being recorded" (and who is left out); for a take, its count-in beat by
// beat, then the take. During a count-in it redraws itself every 50 ms.
function renderRecordingLine() {
  const recording = page.roomState?.recording;
  const line = $('recording');
  line.hidden = !recording;
  clearTimeout(page.countInTimer);
  if (!recording) return;
  const leftOut = page.peers.filter((p) => recording.not_recorded?.includes(p.participant_id)).map((p) => p.name);
  const omitted = leftOut.length ? ` — ${t('notRecorded', { names: leftOut.join(', ') })}` : '';
  const take = recording.take;
  const offset = page.session?.offsetUs;
  const serverNowUs = offset === undefined ? undefined : performance.now() * 1000 + offset;
  if (take && serverNowUs !== undefined && serverNowUs < take.start_server_us) {
    const beatUs = 60e6 / take.bpm;
    const beats = Math.min(take.beats_per_bar, Math.ceil((take.start_server_us - serverNowUs) / beatUs));
    line.textContent = t('takeCountIn', { beats });
    line.dataset.phase = 'count-in';
    page.countInTimer = setTimeout(renderRecordingLine, 50);
  } else {
    line.textContent = (take ? t('takeRecording', { bpm: Math.round(take.bpm) }) : t('recording')) + omitted;
    line.dataset.phase = take ? 'take' : 'lesson';
  }
}

// A short chime when a recording starts (rising) or stops (falling), played into the
// room's audio context so it reaches the same headphones.
function playCue(rising) {
  const context = page.audio?.context;
  if (!context) return;
  const [from, to] = rising ? [660, 990] : [990, 660];
  const now = context.currentTime;
  for (const [i, hz] of [from, to].entries()) {
    const tone = new OscillatorNode(context, { frequency: hz });
    const level = new GainNode(context, { gain: 0 });
    level.gain.setValueAtTime(0, now + i * 0.15);
    level.gain.linearRampToValueAtTime(0.15, now + i * 0.15 + 0.01);
    level.gain.linearRampToValueAtTime(0, now + i * 0.15 + 0.14);
    tone.connect(level).connect(context.destination);
    tone.start(now + i * 0.15);
    tone.stop(now + i * 0.15 + 0.15);
  }
}

function addNotice(text) {
  const notice = document.createElement('p');
  notice.textContent = text;
  $('notices').replaceChildren(notice);
}

function addChat(m) {
  page.chat.push(m);
  const line = document.createElement('li');
  const who = document.createElement('b');
  who.textContent = `${m.name}: `;
  line.append(who, document.createTextNode(m.text));
  $('chat-log').append(line);
  line.scrollIntoView({ block: 'nearest' });
}

const isTeacherHere = () => page.welcome && page.roomState?.teacher_participant_id === page.welcome.participant_id;

// One strip per other participant, keyed by stream id; the teacher sees their controls.
function renderRoom() {
  const others = page.peers.filter((peer) => peer.participant_id !== page.welcome?.participant_id);
  for (const [streamId, strip] of page.strips)
    if (!others.some((peer) => peer.stream_id === streamId)) {
      strip.remove();
      page.strips.delete(streamId);
    }
  for (const peer of others) {
    let strip = page.strips.get(peer.stream_id);
    if (!strip) {
      strip = makeStrip(peer);
      page.strips.set(peer.stream_id, strip);
      $('strips').append(strip);
    }
    strip.querySelector('.name').textContent = peer.name + (peer.muted ? ' 🔇' : '');
    const camera = strip.querySelector('.cam');
    camera.hidden = peer.camera !== 'on';
    camera.setAttribute('aria-label', t('cameraSymbol'));
    strip.querySelector('.level').setAttribute('aria-label', t('levelOf', { name: peer.name }));
    strip.querySelector('.volume').setAttribute('aria-label', t('volume', { name: peer.name }));
    strip.querySelector('.mute-for-me span').textContent = t('muteFor', { name: peer.name });
    const actions = strip.querySelector('.teacher-actions');
    actions.hidden = !isTeacherHere();
    actions.querySelector('.mute').textContent = peer.muted ? t('unmute') : t('mute');
    actions.querySelector('.remove').textContent = t('remove');
    actions.querySelector('.hand-over').textContent = `${t('handOver')} ${peer.name}`;
  }
  const recording = page.roomState?.recording;
  renderRecordingLine();
  const grid = page.metronome?.grid;
  $('room-metronome').textContent = grid ? t('roomMetronome', { bpm: Math.round(grid.bpm), beats: grid.beats_per_bar, name: grid.name }) +
    (grid.interval_bars > 0 ? t('intervalMode', { seconds: Math.round((grid.interval_bars * grid.beats_per_bar * 600) / grid.bpm) / 10 }) : '') : '';
  $('room-metronome').dataset.interval = grid?.interval_bars ?? 0;
  if (grid && document.activeElement !== $('metronome-mode')) $('metronome-mode').value = String(grid.interval_bars ?? 0);
  // The teacher starts the room's click; in an open room (no teacher) anyone may.
  $('metronome-controls').hidden = !(isTeacherHere() || (page.welcome && page.welcome.role === 'participant'));
  $('metronome-start').textContent = grid ? t('stopMetronome') : t('startMetronome');
  const teacher = isTeacherHere();
  $('teacher-panel').hidden = !teacher;
  if (teacher) {
    $('lock').textContent = page.roomState.locked ? t('unlock') : t('lock');
    $('record').textContent = recording ? t('stopRecording') : t('startRecording');
    $('record-take').textContent = t('recordTake');
    $('record-take').hidden = Boolean(recording);
    $('record-take').disabled = !grid;  // a take counts in on the room's metronome
    $('record-take').title = grid ? '' : t('takeNeedsMetronome');
    const list = $('waiting-list');
    list.replaceChildren();
    for (const waiting of page.roomState.waiting) {
      const item = document.createElement('li');
      const admit = document.createElement('button');
      admit.textContent = `${t('admit')} ${waiting.name}`;
      admit.addEventListener('click', () => page.session.sendControl(protocol.admit(waiting.participant_id)));
      item.append(admit);
      list.append(item);
    }
    if (page.roomState.waiting.length === 0) list.textContent = t('nobodyWaiting');
  }
  if (page.roomState?.locked) addNotice(t('locked'));
  renderTiles();
}

// ---- video -------------------------------------------------------------------------------

async function toggleCamera() {
  const video = page.video;
  if (!video) return;
  const on = !video.sender.on;
  $('camera-problem').hidden = true;
  try {
    await video.setCamera(on);
  } catch {
    $('camera-problem').textContent = t('cameraDenied');
    $('camera-problem').hidden = false;
  }
  renderCameraButton();
  renderTiles();
}

function renderCameraButton() {
  const button = $('camera');
  const on = Boolean(page.video?.sender.on);
  button.textContent = on ? t('cameraOff') : t('cameraOn');
  button.setAttribute('aria-pressed', String(on));
  const blocked = Boolean(page.video?.selfBlocked);
  button.disabled = blocked && !on;
  button.title = blocked ? t('cameraBlockedSelf') : '';
}

const mayPin = () => isTeacherHere() || page.welcome?.role === 'participant';  // the teacher, or anyone in an open room

// A tile per other participant (their picture, or why there is none) and one's own preview;
// the large one spans the row. Each tile's canvas is where video-receive.js draws.
function renderTiles() {
  const video = page.video;
  if (!video) return;
  const others = page.peers.filter((peer) => peer.participant_id !== page.welcome?.participant_id);
  const choice = video.choice;
  const pinned = page.roomState?.pinned_participant_id ?? 0;
  $('tiles').dataset.layout = video.layout;
  for (const [streamId, tile] of page.tiles)
    if (!others.some((peer) => peer.stream_id === streamId)) {
      tile.remove();
      page.tiles.delete(streamId);
      video.registerTile(streamId, undefined);
    }
  for (const peer of others) {
    let tile = page.tiles.get(peer.stream_id);
    if (!tile) {
      tile = makeTile(peer);
      page.tiles.set(peer.stream_id, tile);
      $('tiles').append(tile);
      video.registerTile(peer.stream_id, tile.querySelector('canvas'));
    }
    tile.classList.toggle('large', choice.largeStreamId === peer.stream_id);
    tile.dataset.camera = peer.camera_blocked ? 'blocked' : peer.camera ?? 'off';
    tile.querySelector('.name').textContent = peer.name;
    const symbol = tile.querySelector('.cam');
    symbol.hidden = peer.camera !== 'on';
    symbol.setAttribute('aria-label', t('cameraSymbol'));
    tile.querySelector('.pin-mark').hidden = pinned !== peer.participant_id;
    tile.querySelector('.pin-mark').textContent = t('pinnedNote');
    tile.setAttribute('aria-label', t('showLarge', { name: peer.name }));
    const pinButton = tile.querySelector('.pin');
    pinButton.hidden = !mayPin();
    pinButton.textContent = pinned === peer.participant_id ? t('unpin') : t('pin');
    const block = tile.querySelector('.camera-block');
    block.hidden = !isTeacherHere();
    block.textContent = peer.camera_blocked ? t('allowCamera') : t('blockCamera');
  }
  const self = $('self-tile');
  const preview = video.sender.previewElement;
  self.hidden = !video.sender.on;
  const slot = self.querySelector('.picture');
  if (preview && slot.firstChild !== preview) slot.replaceChildren(preview);
  if (!preview) slot.replaceChildren();
  self.querySelector('.pin-mark').hidden = pinned !== page.welcome?.participant_id;
  renderTileStates();
  renderCameraButton();
}

// Why a tile shows no picture: the camera is off, the teacher turned it off, the sender
// paused it (its line is too weak), or pictures stopped coming here (ours is).
function renderTileStates() {
  const video = page.video;
  if (!video) return;
  const now = performance.now();
  for (const [streamId, tile] of page.tiles) {
    const state = tile.dataset.camera;
    const figures = video.receiver.figures.get(streamId);
    const stale = !figures || now - figures.lastAtMs > 2000;
    let text = '';
    if (state === 'blocked') text = t('cameraBlocked');
    else if (state === 'off') text = t('cameraIsOff');
    else if (state === 'paused') text = t('videoPaused');
    else if (stale) text = figures?.decoded ? t('videoPaused') : t('waitingForPicture');
    const line = tile.querySelector('.tile-state');
    line.textContent = text;
    line.hidden = !text;
  }
}

function makeTile(peer) {
  const tile = document.createElement('figure');
  tile.className = 'tile';
  tile.dataset.stream = peer.stream_id;
  tile.tabIndex = 0;
  tile.innerHTML = `<canvas width="320" height="180"></canvas><p class="tile-state" role="status"></p>
    <figcaption><span class="name"></span> <span class="cam" role="img">${CAMERA_ICON}</span> <span class="pin-mark"></span></figcaption>
    <div class="tile-actions"><button type="button" class="pin"></button><button type="button" class="camera-block"></button></div>`;
  const streamId = peer.stream_id;
  const current = () => page.peers.find((p) => p.stream_id === streamId);
  // In "one large" a click (or Enter) on a tile makes it this person's large one.
  const choose = () => page.video?.choose(streamId);
  tile.addEventListener('click', (event) => { if (!event.target.closest('button')) choose(); });
  tile.addEventListener('keydown', (event) => { if (event.key === 'Enter' && event.target === tile) choose(); });
  tile.querySelector('.pin').addEventListener('click', () => {
    const pinned = page.roomState?.pinned_participant_id ?? 0;
    page.video?.pin(pinned === current().participant_id ? 0 : current().participant_id);
  });
  tile.querySelector('.camera-block').addEventListener('click', () =>
    page.video?.blockCamera(current().participant_id, !current().camera_blocked));
  return tile;
}

function makeStrip(peer) {
  const strip = document.createElement('div');
  strip.className = 'strip';
  strip.innerHTML = `<h3><span class="light" role="img"></span><span class="name"></span><span class="cam" role="img" hidden>${CAMERA_ICON}</span></h3>
    <meter class="level" min="0" max="1" value="0"></meter>
    <p class="figures"></p>
    <label><input type="range" class="volume" min="0" max="2" step="0.05" value="1"></label>
    <label class="check mute-for-me"><input type="checkbox"> <span></span></label>
    <div class="teacher-actions" hidden><button type="button" class="mute"></button>
      <button type="button" class="remove"></button><button type="button" class="hand-over"></button></div>`;
  const streamId = peer.stream_id;
  strip.querySelector('.volume').addEventListener('input', (event) =>
    page.audio?.setPeerMix(streamId, { gain: Number(event.target.value) }));
  strip.querySelector('.mute-for-me input').addEventListener('change', (event) =>
    page.audio?.setPeerMix(streamId, { muted: event.target.checked }));
  const current = () => page.peers.find((p) => p.stream_id === streamId);
  strip.querySelector('.mute').addEventListener('click', () =>
    page.session.sendControl(protocol.mute(current().participant_id, !current().muted)));
  strip.querySelector('.remove').addEventListener('click', () =>
    page.session.sendControl(protocol.remove(current().participant_id)));
  strip.querySelector('.hand-over').addEventListener('click', () =>
    page.session.sendControl(protocol.handOver(current().participant_id)));
  return strip;
}

// Same thresholds as the desktop app's quality light (shared/core connection_quality).
function lineQuality(figures, roundTripMs) {
  if (!figures || figures.received === 0) return undefined;
  const loss = figures.received ? (100 * figures.lost) / (figures.received + figures.lost) : 0;
  if (roundTripMs > 60 || figures.jitterMs > 10 || loss > 2 || figures.bufferMs > 40) return 'poor';
  if (roundTripMs > 30 || figures.jitterMs > 4 || loss > 0.5 || figures.bufferMs > 20) return 'fair';
  return 'good';
}

function renderMeters() {
  renderTileStates();
  if (!page.audio) return;
  $('self-meter').value = page.audio.inputLevel;
  const roundTripMs = (page.session?.clock.lastRoundTripUs ?? 0) / 1000;
  const delays = [];
  for (const [streamId, strip] of page.strips) {
    const figures = page.audio.peerFigures(streamId);
    strip.querySelector('.level').value = figures?.level ?? 0;
    const quality = lineQuality(figures, roundTripMs);
    const light = strip.querySelector('.light');
    light.className = `light ${quality ?? ''}`;
    light.setAttribute('aria-label', t('quality', { level: quality ? t(quality) : t('noAudio') }));
    const delay = figures?.delayMs;
    if (delay !== undefined) delays.push(delay);
    strip.querySelector('.figures').textContent = delay !== undefined ? t('delay', { ms: Math.round(delay) }) : t('noAudio');
  }
  $('latency').textContent = delays.length ? t('latency', { ms: Math.round(Math.max(...delays)) }) : '';
}

init();
