// A signed-in person's lesson recordings (docs/api.md, "Lesson recordings"): title, date,
// length and who is in it; the mix in an <audio> element, which seeks through the API's
// Range support; download links for the mix and each track; Delete for those the server
// lets delete. The files open through each recording's listen links, as an <audio> element
// or a download link cannot send an Authorization header. Main thread.
import { currentLanguage, t } from './i18n.js';

const MIX_RETRY_MS = 3000;     // a mix is made seconds after the recording ends
const MIX_RETRIES = 40;

export class RecordingsList {
  /** Fills `list` (a <ul>) and `empty` (a <p>) for the person behind `token`. */
  constructor({ list, empty, problem, token }) {
    Object.assign(this, { list, empty, problem, token });
    this.items = new Map();  // recording id → { element, shape }; kept while unchanged so playing goes on
    this.recordings = [];
    this.retries = 0;
  }

  async refresh() {
    clearTimeout(this.timer);
    let answer;
    try {
      answer = await fetch('/api/v1/recordings', { headers: { Authorization: `Bearer ${this.token}` } });
    } catch (error) {
      return this.showProblem(error.message);
    }
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) return this.showProblem(body.error?.message ?? String(answer.status));
    this.problem.hidden = true;
    this.recordings = body.recordings ?? [];
    this.render();
    // Look again while a mix is being made, so its player appears by itself.
    const mixPending = this.recordings.some((r) => !r.mix && r.status !== 'recording' && r.tracks.length > 0);
    const beingRecorded = this.recordings.some((r) => r.status === 'recording');
    if ((mixPending || beingRecorded) && this.retries++ < MIX_RETRIES)
      this.timer = setTimeout(() => this.refresh(), MIX_RETRY_MS);
  }

  /** Renders again in the page's current language. */
  render() {
    this.empty.hidden = this.recordings.length > 0;
    const order = [];
    for (const recording of this.recordings) {
      const shape = JSON.stringify([recording.status, Boolean(recording.mix), recording.tracks.length, currentLanguage()]);
      let item = this.items.get(recording.id);
      if (!item || item.shape !== shape) {
        item?.element.remove();
        item = { element: this.makeItem(recording), shape };
        this.items.set(recording.id, item);
      }
      order.push(item.element);
    }
    for (const [id, item] of this.items)
      if (!this.recordings.some((r) => r.id === id)) {
        item.element.remove();
        this.items.delete(id);
      }
    this.list.replaceChildren(...order);  // newest first, as the server sends them
  }

  showProblem(why) {
    this.problem.textContent = t('recordingsFailed', { why });
    this.problem.hidden = false;
  }

  makeItem(recording) {
    const item = document.createElement('li');
    item.className = 'recording-item';
    item.dataset.recordingId = recording.id;
    const heading = document.createElement('h3');
    heading.textContent = recording.title;
    const facts = document.createElement('p');
    facts.className = 'facts';
    const when = new Date(recording.started_at_ms).toLocaleString(currentLanguage() === 'da' ? 'da-DK' : 'en-GB',
      { dateStyle: 'long', timeStyle: 'short' });
    const people = recording.tracks.map((track) => track.name).join(', ');
    facts.textContent = [when, recording.take && t('takeFacts', { bpm: Math.round(recording.take.bpm), beats: recording.take.beats_per_bar }),
      t('recordingLength', { length: clockText(recording.length_ms) }),
      people && t('recordingPeople', { names: people })].filter(Boolean).join(' · ');
    item.append(heading, facts);
    if (recording.not_recorded.length) item.append(paragraph(t('notRecorded', { names: recording.not_recorded.join(', ') })));
    if (recording.status === 'recording') item.append(paragraph(t('recordingNow')));
    if (recording.status === 'interrupted') item.append(paragraph(t('recordingInterrupted')));

    if (recording.mix_listen) {
      const player = document.createElement('audio');
      player.controls = true;
      player.preload = 'metadata';
      player.src = recording.mix_listen;
      player.setAttribute('aria-label', t('mixOf', { title: recording.title }));
      item.append(player);
    } else if (recording.status !== 'recording' && recording.tracks.length) {
      item.append(paragraph(t('mixBeingMade')));
    }
    const downloads = document.createElement('p');
    downloads.className = 'downloads';
    if (recording.mix_listen) downloads.append(downloadLink(recording.mix_listen, t('downloadMix')));
    for (const track of recording.tracks)
      if (track.listen) downloads.append(downloadLink(track.listen, t('downloadTrack', { name: track.name })));
    item.append(downloads);
    if (recording.you_may_delete && recording.status !== 'recording') {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'delete';
      remove.textContent = t('deleteRecording');
      remove.addEventListener('click', () => this.remove(recording));
      item.append(remove);
    }
    return item;
  }

  async remove(recording) {
    if (!confirm(t('confirmDelete', { title: recording.title }))) return;
    const answer = await fetch(`/api/v1/recordings/${recording.id}`, { method: 'DELETE',
      headers: { Authorization: `Bearer ${this.token}` } });
    if (!answer.ok) {
      const body = await answer.json().catch(() => ({}));
      return this.showProblem(body.error?.message ?? String(answer.status));
    }
    await this.refresh();
  }

  stop() {
    clearTimeout(this.timer);
  }
}

function paragraph(text) {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

function downloadLink(href, text) {
  const link = document.createElement('a');
  link.href = href;
  link.download = '';  // the server names the file (Content-Disposition)
  link.textContent = text;
  return link;
}

/** 754000 → "12:34", 3723000 → "1:02:03". */
export function clockText(ms) {
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  const two = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
