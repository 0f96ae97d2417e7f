// Video on the wire for the browser (docs/protocol.md, "Video"): the 24-byte header in front
// of each VP8 frame, and the video control messages. Pure functions over typed arrays and
// strings — no sockets, no codecs — so Node's test runner checks them directly.
import { controlMessage } from './protocol.js';

export const VIDEO_VERSION = 1;
export const VIDEO_HEADER_BYTES = 24;
export const MAX_VIDEO_FRAME_BYTES = 512 * 1024;
export const MAX_VIDEO_WIDTH = 1920;
export const MAX_VIDEO_HEIGHT = 1088;
export const FLAG_KEYFRAME = 0x01;
export const LAYERS = ['small', 'large'];
const MAX_WIRE_US = 2 ** 52;

/** Header + VP8 payload → one binary frame. Clients send stream id 0 (the server stamps it). */
export function encodeVideoFrame({ keyframe, layer, framesPerSecond, width, height, frameNumber, captureServerUs, payload }) {
  if (!(payload instanceof Uint8Array) || payload.length < 1 || VIDEO_HEADER_BYTES + payload.length > MAX_VIDEO_FRAME_BYTES)
    throw new RangeError('a VP8 frame is 1 byte to 512 KiB less the header');
  const out = new Uint8Array(VIDEO_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, VIDEO_VERSION);
  view.setUint8(1, keyframe ? FLAG_KEYFRAME : 0);
  view.setUint8(2, LAYERS.indexOf(layer));
  view.setUint8(3, framesPerSecond);
  view.setUint16(4, 0);
  view.setUint16(6, width);
  view.setUint16(8, height);
  view.setUint16(10, 0);
  view.setUint32(12, frameNumber >>> 0);
  view.setBigInt64(16, BigInt(Math.round(captureServerUs)));
  out.set(payload, VIDEO_HEADER_BYTES);
  return out;
}

/** A binary frame from the video WebSocket → {frame} or {error}; every value bounded here. */
export function parseVideoFrame(bytes) {
  if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
  if (bytes.length <= VIDEO_HEADER_BYTES) return { error: 'shorter than the header and a payload' };
  if (bytes.length > MAX_VIDEO_FRAME_BYTES) return { error: 'larger than 512 KiB' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== VIDEO_VERSION) return { error: `unknown video version ${view.getUint8(0)}` };
  const layer = LAYERS[view.getUint8(2)];
  if (!layer) return { error: 'unknown layer' };
  const framesPerSecond = view.getUint8(3);
  if (framesPerSecond < 1 || framesPerSecond > 60) return { error: 'frame rate out of range' };
  const width = view.getUint16(6);
  const height = view.getUint16(8);
  if (!width || !height || width % 2 || height % 2 || width > MAX_VIDEO_WIDTH || height > MAX_VIDEO_HEIGHT)
    return { error: 'picture size out of range' };
  const captureServerUs = Number(view.getBigInt64(16));
  if (Math.abs(captureServerUs) > MAX_WIRE_US) return { error: 'capture time out of range' };
  return { frame: {
    keyframe: (view.getUint8(1) & FLAG_KEYFRAME) !== 0, layer, framesPerSecond, streamId: view.getUint16(4),
    width, height, frameNumber: view.getUint32(12), captureServerUs, payload: bytes.subarray(VIDEO_HEADER_BYTES),
  } };
}

export const videoAttach = (token) => controlMessage('video_attach', { token });
/** state: 'on', 'paused' (the line is too weak for now) or 'off'. */
export const camera = (state) => controlMessage('camera', { state });
/** layer: 'small', 'large', or null for nothing of that sender. */
export const videoSubscribe = (streamId, layer) => controlMessage('video_subscribe', { stream_id: streamId, layer });
export const keyframeRequest = (streamId, layer) => controlMessage('keyframe_request', { stream_id: streamId, layer });
export const videoReport = ({ streamId, layer, framesReceived, framesLost, delayMs, lineLossPercent = 0 }) =>
  controlMessage('video_report', { stream_id: streamId, layer, frames_received: Math.min(10000, framesReceived),
    frames_lost: Math.min(10000, framesLost), delay_ms: Math.max(0, Math.min(60000, Math.round(delayMs))),
    line_loss_percent: Math.max(0, Math.min(100, Math.round(lineLossPercent))) });
export const pin = (participantId) => controlMessage('pin', { participant_id: participantId });
export const cameraBlock = (participantId, blocked) => controlMessage('camera_block', { participant_id: participantId, blocked });
