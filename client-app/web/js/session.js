// Session: one participant's samspil.v1 WebSocket — join, ping and clock, reconnect with the
// protocol's backoff, control and media in and out. The browser's counterpart of
// shared/net's SessionClient; the message formats come from protocol.js. Main thread.
import * as protocol from './protocol.js';

const nowUs = () => performance.now() * 1000;

export class Session {
  /**
   * config: {url, room, name, token, invite, channels, frameSamples, mediaTwin}; handlers: optional
   * onState(state, reason), onWelcome(m), onWaiting(m), onPeers(m), onRoomState(m),
   * onNotice(m), onChat(m), onChatHistory(m), onTempo(m), onMetronome(m), onVideoDemand(m), onError(m),
   * onMedia(packets, arrivalUs).
   */
  constructor(config, handlers = {}) {
    this.config = config;
    this.handlers = handlers;
    this.state = 'idle';
    this.clock = new protocol.ClockSync();
    this.attempt = 0;
    this.pingId = 1;
    this.everJoined = false;
    this.resumeToken = undefined;
    this.streamEpochLocalUs = undefined;
    this.counters = { mediaSent: 0, mediaReceived: 0, malformed: 0, reconnects: 0, twinSent: 0, twinReceived: 0 };
  }

  get joined() {
    return this.state === 'joined';
  }
  get offsetUs() {
    return this.clock.offsetUs;
  }

  start() {
    this.#connect();
  }

  leave() {
    this.leaving = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pingTimer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) {  // also one still connecting
      if (this.joined) this.socket.send(protocol.leave());
      this.socket.close(1000);
    }
    this.#closeTwin();
    this.#setState('closed', '');
  }

  sendChat(text) {
    this.#send(protocol.chat(text));
  }
  sendControl(text) {
    this.#send(text);
  }
  /** Media bytes (one or more packets) once joined; dropped otherwise. */
  sendMedia(bytes) {
    if (!this.joined) return false;
    const twin = this.twin;
    if (twin?.readyState === WebSocket.OPEN && twin.bufferedAmount <= 64 * 1024) {
      twin.send(bytes);
      this.counters.twinSent++;
    }
    if (this.socket.bufferedAmount > 64 * 1024) return false;  // never queue stale audio
    this.socket.send(bytes);
    this.counters.mediaSent++;
    return true;
  }
  /** Where media timestamp 0 was captured (local µs); announced once the clock is known. */
  setStreamEpoch(localUs) {
    this.streamEpochLocalUs = localUs;
    this.#announceStream();
  }

  #send(text) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  #setState(state, reason) {
    const changed = state !== this.state;
    this.state = state;
    if (changed || reason) this.handlers.onState?.(state, reason);
  }

  /** The address this session's connections go to now (the video link and the twin follow it). */
  get currentUrl() {
    return protocol.roomSocketUrl(this.connectedBase ?? this.config.url, this.config.room);
  }

  #connect() {
    this.#setState(this.everJoined ? 'reconnecting' : 'connecting', '');
    // Once, right after `moved`: the node that holds the room; otherwise the configured
    // address, whose proxy knows which nodes are alive.
    this.connectedBase = this.movedTo ?? this.config.url;
    this.movedTo = undefined;
    const socket = new WebSocket(this.currentUrl, protocol.SUBPROTOCOL);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.streamAnnounced = false;
    this.firstMedia = true;
    socket.onopen = () => {
      const token = this.resumeToken ?? this.config.token;
      socket.send(protocol.join({ room: this.config.room, name: this.config.name, token,
        invite: this.resumeToken ? undefined : this.config.invite }));
      this.pingsThisConnection = 0;
      this.#ping();
    };
    socket.onmessage = (event) => {
      const arrivalUs = nowUs();
      if (typeof event.data === 'string') return this.#onText(event.data, arrivalUs);
      this.#onMedia(event.data, arrivalUs, 'mediaReceived');
    };
    socket.onclose = (event) => {
      clearTimeout(this.pingTimer);
      if (this.socket !== socket) return;
      this.#closeTwin();
      const wasJoined = this.joined;
      this.handlers.onPeers?.({ peers: [] });
      if (this.leaving || this.state === 'refused') return;
      // Told where the room is: go there at once (not a failure, so no backoff).
      const delay = this.movedTo ? 0 : protocol.backoffDelayMs(this.attempt++);
      const why = event.reason || (wasJoined ? 'connection lost' : 'no connection');
      this.#setState('reconnecting', why);
      this.reconnectTimer = setTimeout(() => this.#connect(), delay);
    };
  }

  #onMedia(data, arrivalUs, counter) {
    const parsed = protocol.parseMediaMessage(new Uint8Array(data));
    if (parsed.error) {
      this.counters.malformed++;
      return;
    }
    this.counters[counter] += parsed.packets.length;
    this.handlers.onMedia?.(parsed.packets, arrivalUs);  // the jitter buffer drops the second copy
  }

  // A second WebSocket that carries our media again and brings everyone's again
  // (docs/protocol.md, "The media twin"): when one TCP connection stalls behind a lost
  // segment, the other's copy is usually through. Opened after each welcome that offers it.
  #openTwin(offer) {
    this.#closeTwin();
    const twin = new WebSocket(this.currentUrl, protocol.SUBPROTOCOL);
    twin.binaryType = 'arraybuffer';
    this.twin = twin;
    twin.onopen = () => twin.send(protocol.mediaTwin(offer.session, offer.key));
    twin.onmessage = (event) => {
      if (typeof event.data !== 'string') this.#onMedia(event.data, nowUs(), 'twinReceived');
    };
    twin.onclose = () => {
      if (this.twin !== twin) return;
      this.twin = undefined;
      // Lost on its own while we are still in the room: again in a second (the offer still holds).
      if (this.joined && !this.leaving) this.twinTimer = setTimeout(() => this.joined && this.#openTwin(offer), 1000);
    };
  }

  #closeTwin() {
    clearTimeout(this.twinTimer);
    const twin = this.twin;
    this.twin = undefined;
    if (twin && twin.readyState <= WebSocket.OPEN) twin.close(1000);
  }

  #ping() {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(protocol.ping(this.pingId++, nowUs()));
    this.pingsThisConnection++;
    this.pingTimer = setTimeout(() => this.#ping(), this.pingsThisConnection < 10 ? 100 : 500);
  }

  #announceStream() {
    if (!this.joined || this.clock.offsetUs === undefined || this.streamEpochLocalUs === undefined) return;
    // Again when the epoch on the server clock moved by over 1 ms, at most every 2 s, as the
    // desktop app does (the clock offset and the render-clock map settle in the first seconds).
    const epochServerUs = Math.round(this.streamEpochLocalUs + this.clock.offsetUs);
    if (this.streamAnnounced && (Math.abs(epochServerUs - this.announcedEpochServerUs) <= 1000
      || performance.now() - this.announcedAtMs < 2000)) return;
    this.announcedAtMs = performance.now();
    this.#send(protocol.streamInfo({ channels: this.config.channels ?? 1, frameSamples: this.config.frameSamples,
      epochServerUs }));
    this.streamAnnounced = true;
    this.announcedEpochServerUs = epochServerUs;
  }

  #onText(text, arrivalUs) {
    const parsed = protocol.parseServerMessage(text);
    if (parsed.error) {
      this.counters.malformed++;
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'welcome':
        if (this.everJoined) this.counters.reconnects++;
        this.everJoined = true;
        this.movesInARow = 0;
        this.attempt = 0;
        if (m.resume_token) this.resumeToken = m.resume_token;
        this.selfParticipantId = m.participant_id;
        this.selfStreamId = m.stream_id;
        this.#setState('joined', '');
        if (this.config.mediaTwin && m.udp) this.#openTwin(m.udp);
        this.handlers.onWelcome?.(m);
        this.#announceStream();
        break;
      case 'waiting':
        this.#setState('waiting', '');
        this.handlers.onWaiting?.(m);
        break;
      case 'pong':
        this.clock.addSample(m.client_us, m.server_us, arrivalUs);
        this.#announceStream();
        break;
      case 'peers': this.handlers.onPeers?.(m); break;
      case 'room_state': this.handlers.onRoomState?.(m); break;
      case 'notice': this.handlers.onNotice?.(m); break;
      case 'chat': this.handlers.onChat?.(m); break;
      case 'chat_history': this.handlers.onChatHistory?.(m); break;
      case 'tempo': this.handlers.onTempo?.(m); break;
      case 'metronome': this.handlers.onMetronome?.(m); break;
      case 'video_demand': this.handlers.onVideoDemand?.(m); break;
      case 'error':
        // Two nodes naming each other (a lease changing hands) settle in one move; more is a loop.
        if (m.code === 'moved' && protocol.movedUrl(m) && (this.movesInARow = (this.movesInARow ?? 0) + 1) <= 3)
          this.movedTo = protocol.movedUrl(m);
        this.handlers.onError?.(m);
        if (m.fatal && protocol.FINAL_ERRORS.has(m.code)) {
          clearTimeout(this.reconnectTimer);
          this.#setState('refused', m.message);
        }
        break;
    }
  }
}
