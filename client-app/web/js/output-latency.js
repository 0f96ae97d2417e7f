// How long the sound takes from the AudioContext to the speaker (outputLatency + baseLatency,
// in s), read seldom. In Firefox, reading `outputLatency` asks the audio server synchronously
// while holding the audio graph's lock, and as long as the device reports no latency (0, e.g.
// a null sink) every read asks again; a read at the moment the audio callback wanted the same
// lock froze the page for good (seen in the browser tests: the page's main thread and
// Firefox's graph thread waiting on each other, 3 to 7 of 15 runs in a bad stretch). So the
// page reads it when a context first runs, again at most every 10 s, and stops asking once
// it has said 0 three times: no latency to add then. Main thread.

export const REFRESH_MS = 10_000;
export const ZEROS_BEFORE_GIVING_UP = 3;

const known = new WeakMap();

/** The context's output latency in s (0 while it does not run or cannot say). */
export function outputLatencyS(context, nowMs = performance.now()) {
  let entry = known.get(context);
  if (!entry) {
    entry = { outputS: 0, readAtMs: -Infinity, zeros: 0 };
    known.set(context, entry);
  }
  const due = nowMs - entry.readAtMs >= REFRESH_MS && entry.zeros < ZEROS_BEFORE_GIVING_UP;
  if (due && context.state === 'running') {
    entry.readAtMs = nowMs;
    entry.outputS = context.outputLatency || 0;
    if (entry.outputS === 0) entry.zeros++;
  }
  return entry.outputS + (context.baseLatency || 0);
}
