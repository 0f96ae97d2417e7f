// VideoLink: a participant's video WebSocket (docs/protocol.md, "Video"), beside the one that
// carries its audio so a keyframe never waits in front of a sound. Attached with the
// welcome's video token; opened again a second after it drops, while in the room. Frames go
// out only while little waits in the socket's buffer — a frame that would wait behind others
// is stale before it arrives, so the sender is told to skip it (and its rate controller
// hears of it). Main thread.
import { SUBPROTOCOL } from './protocol.js';
import { parseVideoFrame, videoAttach } from './video-wire.js';

/** Above this much waiting in the socket, no new frame is sent. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

export class VideoLink {
  /**
   * url(): where to connect now (the session's address, so the link reaches the node that
   * holds the room); onFrame(frame): a parsed frame from the server (video-wire.js).
   */
  constructor(url, onFrame) {
    this.url = url;
    this.onFrame = onFrame;
    this.counters = { framesSent: 0, framesSkipped: 0, framesReceived: 0, malformed: 0, opens: 0 };
  }

  /** A welcome's token: (re)attach with it. */
  attach(token) {
    this.close();
    this.token = token;
    this.closed = false;
    this.#open();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN && this.attached;
  }
  get bufferedAmount() {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** One whole frame (header and VP8). False when it was not sent (no link, or a backlog). */
  send(bytes) {
    if (!this.open || this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.counters.framesSkipped++;
      return false;
    }
    this.socket.send(bytes);
    this.counters.framesSent++;
    return true;
  }

  #open() {
    const socket = new WebSocket(typeof this.url === 'function' ? this.url() : this.url, SUBPROTOCOL);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.attached = false;
    socket.onopen = () => {
      socket.send(videoAttach(this.token));
      this.attached = true;
      this.counters.opens++;
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') return;  // an error about the attach: the close follows
      const parsed = parseVideoFrame(new Uint8Array(event.data));
      if (parsed.error) {
        this.counters.malformed++;
        return;
      }
      this.counters.framesReceived++;
      this.onFrame(parsed.frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!this.closed) this.retryTimer = setTimeout(() => { if (!this.closed) this.#open(); }, 1000);
    };
  }
}
