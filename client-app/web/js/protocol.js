// The samspil.v1 wire protocol for the browser (docs/protocol.md is the contract): control
// messages as JSON text frames, media packets in binary frames. Pure functions over strings
// and typed arrays — no sockets, no clocks — so Node's test runner checks them directly.

export const SUBPROTOCOL = 'samspil.v1';
export const PROTOCOL_VERSION = 1;
export const MEDIA_VERSION = 1;
export const MEDIA_HEADER_BYTES = 14;
export const MAX_OPUS_PAYLOAD_BYTES = 1275;
export const MAX_CLIENT_MEDIA_MESSAGE_BYTES = 16 * 1024;
export const MAX_CLIENT_MEDIA_MESSAGE_PACKETS = 32;
export const MAX_CONTROL_MESSAGE_BYTES = 65536;
export const FLAG_STEREO = 0x01;
export const FLAG_STREAM_START = 0x02;
export const SAMPLE_RATE = 48000;
export const OPUS_LOOKAHEAD_SAMPLES = 120;
export const FRAME_SIZES = [120, 240, 480, 960];

/** Errors the client treats as final: fix the input or ask the teacher (protocol.md). */
export const FINAL_ERRORS = new Set(['invalid_room', 'invalid_name', 'bad_message', 'unsupported_version',
  'already_joined', 'auth_required', 'invalid_token', 'invalid_invite', 'not_allowed', 'room_locked', 'removed']);

/** One media packet → bytes: the 14-byte header, then the Opus payload. Clients send stream id 0. */
export function encodeMediaPacket({ flags = 0, streamId = 0, sequence, timestamp, payload }) {
  if (!(payload instanceof Uint8Array) || payload.length < 1 || payload.length > MAX_OPUS_PAYLOAD_BYTES)
    throw new RangeError('an Opus payload is 1 to 1275 bytes');
  const out = new Uint8Array(MEDIA_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, MEDIA_VERSION);
  view.setUint8(1, flags & 0xff);
  view.setUint16(2, streamId & 0xffff);
  view.setUint32(4, sequence >>> 0);
  view.setUint32(8, timestamp >>> 0);
  view.setUint16(12, payload.length);
  out.set(payload, MEDIA_HEADER_BYTES);
  return out;
}

/** Several packets in one binary frame (what the server does; a client may too). */
export function encodeMediaMessage(packets) {
  const parts = packets.map(encodeMediaPacket);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A binary frame → its packets. Total: any bytes give either {packets} or {error}; a frame
 * is valid only if every packet in it is. Payloads are views into `bytes` (no copy).
 */
export function parseMediaMessage(bytes, maxPackets = 4096) {
  if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets = [];
  let at = 0;
  if (bytes.length === 0) return { error: 'empty frame' };
  while (at < bytes.length) {
    if (bytes.length - at < MEDIA_HEADER_BYTES) return { error: 'truncated header' };
    const version = view.getUint8(at);
    if (version !== MEDIA_VERSION) return { error: `unknown version ${version}` };
    const length = view.getUint16(at + 12);
    if (length < 1 || length > MAX_OPUS_PAYLOAD_BYTES) return { error: `payload length ${length}` };
    if (at + MEDIA_HEADER_BYTES + length > bytes.length) return { error: 'truncated payload' };
    if (packets.length === maxPackets) return { error: 'too many packets' };
    packets.push({
      flags: view.getUint8(at + 1),
      streamId: view.getUint16(at + 2),
      sequence: view.getUint32(at + 4),
      timestamp: view.getUint32(at + 8),
      payload: bytes.subarray(at + MEDIA_HEADER_BYTES, at + MEDIA_HEADER_BYTES + length),
    });
    at += MEDIA_HEADER_BYTES + length;
  }
  return { packets };
}

/** A control message to send: {"v":1,"type":...,...fields}. */
export function controlMessage(type, fields = {}) {
  return JSON.stringify({ v: PROTOCOL_VERSION, type, ...fields });
}

export const join = ({ room, name, token, invite }) =>
  controlMessage('join', { room, name, ...(token ? { token } : {}), ...(invite ? { invite } : {}) });
export const ping = (id, clientUs) => controlMessage('ping', { id: id >>> 0, client_us: Math.round(clientUs) });
export const chat = (text) => controlMessage('chat', { text });
export const leave = () => controlMessage('leave');
export const streamInfo = ({ channels, frameSamples, epochServerUs }) =>
  controlMessage('stream', { channels, frame_samples: frameSamples,
    ...(epochServerUs !== undefined ? { epoch_server_us: Math.round(epochServerUs) } : {}) });
export const admit = (participantId) => controlMessage('admit', { participant_id: participantId });
export const mute = (participantId, muted) => controlMessage('mute', { participant_id: participantId, muted });
export const remove = (participantId) => controlMessage('remove', { participant_id: participantId });
export const lock = (locked) => controlMessage('lock', { locked });
/** Start (on) or stop recording; a take counts in a bar on the room's metronome and starts on a bar line. */
export const record = (on, take = false) => controlMessage('record', take ? { on, take } : { on });
/** The first message on a media twin: the session and key of the welcome's offer. */
export const mediaTwin = (session, key) => controlMessage('media_twin', { session, key });
export const handOver = (participantId) => controlMessage('hand_over', { participant_id: participantId });
export const metronome = ({ running, bpm, beatsPerBar, accent = true, intervalBars = 0 }) =>
  controlMessage('metronome', { running, bpm, beats_per_bar: beatsPerBar, accent, interval_bars: intervalBars });

const isInt = (v) => Number.isInteger(v);
const isStr = (v) => typeof v === 'string';
const isBool = (v) => typeof v === 'boolean';

// What each server message must carry (protocol.md, "Server → client").
const SERVER_FIELDS = {
  welcome: { participant_id: isInt, stream_id: isInt, room: isStr, server_us: isInt, role: isStr },
  waiting: { room: isStr, participant_id: isInt },
  peers: { peers: Array.isArray },
  room_state: { locked: isBool, teacher_participant_id: isInt, waiting: Array.isArray },
  notice: { code: isStr, message: isStr },
  chat: { id: isInt, participant_id: isInt, name: isStr, text: isStr, sent_at_ms: isInt },
  chat_history: { messages: Array.isArray },
  pong: { id: isInt, client_us: isInt, server_us: isInt },
  tempo: { participant_id: isInt, name: isStr, bpm: (v) => typeof v === 'number', numerator: isInt, denominator: isInt },
  metronome: { running: isBool, bpm: (v) => typeof v === 'number' && v >= 20 && v <= 400, beats_per_bar: isInt,
    start_server_us: isInt, participant_id: isInt, name: isStr },
  error: { code: isStr, message: isStr, fatal: isBool },
  video_demand: { layers: Array.isArray, keyframe: Array.isArray, receivers: isInt },
};

/** The longest node address a `moved` error may carry (protocol.md). */
export const MAX_NODE_URL_LENGTH = 512;

/**
 * Where a connection goes: `base` (ws://host/ws, or a node's own address a `moved` named)
 * with the room in its query, so a proxy in front of several nodes routes by it.
 */
export function roomSocketUrl(base, room) {
  return `${base}${base.includes('?') ? '&' : '?'}room=${encodeURIComponent(room)}`;
}

/** A `moved` error's node address, or undefined when it is missing or not a ws(s):// address. */
export function movedUrl(error) {
  const url = error?.url;
  return typeof url === 'string' && url.length <= MAX_NODE_URL_LENGTH && /^wss?:\/\/[^\s/?#]+\/[^\s]*$/.test(url)
    ? url : undefined;
}

/** A text frame from the server → {message} or {error}. Unknown fields are ignored. */
export function parseServerMessage(text) {
  if (typeof text !== 'string' || text.length > MAX_CONTROL_MESSAGE_BYTES) return { error: 'not a control message' };
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { error: 'not an object' };
  if (json.v !== PROTOCOL_VERSION) return { error: `protocol version ${json.v}` };
  const fields = SERVER_FIELDS[json.type];
  if (!fields) return { error: `unknown type ${json.type}` };
  for (const [name, ok] of Object.entries(fields))
    if (!ok(json[name])) return { error: `${json.type}: "${name}" is missing or of the wrong kind` };
  return { message: json };
}

/** The last `capacity` sequence numbers seen of one stream, to recognise a second copy. */
export class RecentSequences {
  constructor(capacity) {
    this.capacity = capacity;
    this.set = new Set();
    this.order = [];
  }
  has(sequence) {
    return this.set.has(sequence);
  }
  add(sequence) {
    this.set.add(sequence);
    this.order.push(sequence);
    if (this.order.length > this.capacity) this.set.delete(this.order.shift());
  }
  clear() {
    this.set.clear();
    this.order.length = 0;
  }
}

/** The protocol's reconnect backoff: 250 ms, 0.5, 1, 2, 4, then every 5 s, each + up to 20 %. */
export function backoffDelayMs(attempt, random = Math.random()) {
  const steps = [250, 500, 1000, 2000, 4000, 5000];
  const base = steps[Math.min(attempt, steps.length - 1)];
  return base + Math.floor(random * base / 5);
}

/** Server clock minus local clock from ping/pong: the round trip least disturbed wins (of the last 16). */
// The twin of shared/core's ClockSync: the median offset of the quickest few round trips
// (within 10 % of the best, or 0.3 ms) of the last 32 (16 s at two pings a second).
export class ClockSync {
  constructor() {
    this.samples = [];
  }
  addSample(clientSendUs, serverUs, clientReceiveUs) {
    const roundTripUs = clientReceiveUs - clientSendUs;
    if (roundTripUs < 0) return;
    this.samples.push({ roundTripUs, offsetUs: serverUs - (clientSendUs + roundTripUs / 2) });
    if (this.samples.length > 32) this.samples.shift();
    this.lastRoundTripUs = roundTripUs;
  }
  get offsetUs() {
    if (this.samples.length === 0) return undefined;
    const best = Math.min(...this.samples.map((s) => s.roundTripUs));
    const quick = this.samples.filter((s) => s.roundTripUs <= best + Math.max(300, best / 10))
      .sort((a, b) => a.roundTripUs - b.roundTripUs).slice(0, 7).map((s) => s.offsetUs).sort((a, b) => a - b);
    const middle = Math.floor(quick.length / 2);
    return quick.length % 2 ? quick[middle] : (quick[middle - 1] + quick[middle]) / 2;
  }
}

/** Mouth to ear (protocol.md): played at local time playedUs, first sample at media `timestamp`. */
export function mouthToEarMs(playedUs, epochServerUs, offsetUs, timestamp) {
  const capturedUs = epochServerUs - offsetUs + ((timestamp - OPUS_LOOKAHEAD_SAMPLES) * 1e6) / SAMPLE_RATE;
  return (playedUs - capturedUs) / 1000;
}

/** Samples in one Opus packet, from its TOC byte (RFC 6716 §3.1); 0 when it cannot tell. */
export function opusPacketSamples(payload) {
  if (!payload || payload.length < 1) return 0;
  const toc = payload[0];
  const config = toc >> 3;
  let frame;
  if (config < 12) frame = [480, 960, 1920, 2880][config & 3];
  else if (config < 16) frame = [480, 960][config & 1];
  else frame = [120, 240, 480, 960][config & 3];
  const code = toc & 3;
  if (code === 0) return frame;
  if (code === 1 || code === 2) return 2 * frame;
  if (payload.length < 2) return 0;
  return (payload[1] & 0x3f) * frame;
}
