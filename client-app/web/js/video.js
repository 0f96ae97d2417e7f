// RoomVideo: video in the page — the link (video-link.js), this page's camera
// (video-send.js) and the others' pictures (video-receive.js) — and what to ask of whom:
// the tile shown large (the pinned participant, else the one this person picked in the
// "one large" layout, else the only camera) gets the large layer, every other camera the
// small one, a camera that is off or paused nothing. Main thread.
import { VideoLink } from './video-link.js';
import { VideoReceiver } from './video-receive.js';
import { VideoSender } from './video-send.js';
import { cameraBlock, pin, videoSubscribe } from './video-wire.js';

/**
 * Which tile is large and which layer each camera should send us.
 * others: the peers list without us; layout: 'grid' | 'large'; pinnedParticipantId: the
 * room's (0: none); chosenStreamId: the tile this person picked for "one large".
 * → { largeStreamId, layers: Map(stream id → 'small' | 'large' | null) }
 */
export function chooseLayers({ others, layout, pinnedParticipantId = 0, chosenStreamId }) {
  const showing = others.filter((p) => p.camera === 'on' && !p.camera_blocked);
  const pinned = showing.find((p) => p.participant_id === pinnedParticipantId);
  let large;
  if (pinned) large = pinned;
  else if (layout === 'large') large = showing.find((p) => p.stream_id === chosenStreamId) ?? showing[0];
  else if (showing.length === 1) large = showing[0];
  const layers = new Map();
  for (const peer of others)
    layers.set(peer.stream_id, showing.includes(peer) ? (peer === large ? 'large' : 'small') : null);
  return { largeStreamId: large?.stream_id, layers };
}

export class RoomVideo {
  /** onChange(): something the tiles show changed (layout, who is large). */
  constructor({ session, url, audioStats, audioTotals, testPattern = false, onChange = () => {} }) {
    this.session = session;
    this.onChange = onChange;
    this.layout = 'grid';
    this.chosenStreamId = undefined;
    this.pinnedParticipantId = 0;
    this.others = [];
    this.canvases = new Map();  // stream id → the tile's canvas
    this.subscribed = new Map();  // stream id → the layer asked for (or null)
    this.choice = { largeStreamId: undefined, layers: new Map() };
    this.link = new VideoLink(url, (frame) => this.receiver.onFrame(frame));
    this.sender = new VideoSender({ session, link: this.link, audioStats, testPattern });
    this.receiver = new VideoReceiver({ session, audioTotals, tileFor: (stream, layer) =>
      this.choice.layers.get(stream) === layer ? this.canvases.get(stream) : undefined });
  }

  onWelcome(m) {
    if (m.video_token) this.link.attach(m.video_token);
    this.subscribed.clear();  // the server forgot what we asked for
    this.sender.onWelcome();
    this.#update();
  }
  onDemand(m) {
    this.sender.onDemand(m);
  }
  setPeers(peers, selfParticipantId) {
    this.others = peers.filter((p) => p.participant_id !== selfParticipantId);
    const self = peers.find((p) => p.participant_id === selfParticipantId);
    this.selfBlocked = Boolean(self?.camera_blocked);
    if (this.selfBlocked && this.sender.on) this.sender.setOn(false);  // the teacher turned it off
    this.#update();
  }
  setPinned(participantId) {
    this.pinnedParticipantId = participantId ?? 0;
    this.#update();
  }
  setLayout(layout) {
    this.layout = layout;
    this.#update();
  }
  /** This person's pick for "one large". */
  choose(streamId) {
    this.chosenStreamId = streamId;
    if (this.layout === 'large') this.#update();
  }
  registerTile(streamId, canvas) {
    if (canvas) this.canvases.set(streamId, canvas);
    else this.canvases.delete(streamId);
  }
  async setCamera(on) {
    if (on && this.selfBlocked) return false;
    await this.sender.setOn(on);
    return true;
  }
  pin(participantId) {
    this.session.sendControl(pin(participantId));
  }
  blockCamera(participantId, blocked) {
    this.session.sendControl(cameraBlock(participantId, blocked));
  }
  leave() {
    this.sender.setOn(false);
    this.receiver.stop();
    this.link.close();
  }

  #update() {
    this.choice = chooseLayers({ others: this.others, layout: this.layout, pinnedParticipantId: this.pinnedParticipantId,
      chosenStreamId: this.chosenStreamId });
    if (this.session.joined)
      for (const [stream, layer] of this.choice.layers) {
        if ((this.subscribed.get(stream) ?? null) === layer) continue;
        this.subscribed.set(stream, layer);
        this.session.sendControl(videoSubscribe(stream, layer));
      }
    for (const stream of this.subscribed.keys()) if (!this.choice.layers.has(stream)) this.subscribed.delete(stream);
    this.onChange();
  }
}
