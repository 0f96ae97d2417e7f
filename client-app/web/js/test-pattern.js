// The test pattern in the browser: what a test's page films instead of a camera — eight
// sliding colour bars and, across the top, the capture time on the server's clock as two
// rows of black and white blocks — and the reading of that time back from a decoded
// picture's pixels (glass to glass). The same geometry as shared/video's TestPattern, so a
// browser reads the desktop app's pattern and the other way round: with b = W/30 and every
// edge rounded to a pixel, a grey band y 0..4b; bit i's block from x = b·(1 + i mod 28) to
// b·(2 + i mod 28), y = b·(1 + ⌊i/28⌋) to b·(2 + ⌊i/28⌋); 56 bits = the time's low 48 bits
// (µs), most significant first, then an 8-bit check. Edges at fractions of the width: the
// pattern scaled to any size still reads.

export const BITS = 56;
const TIME_MASK = (1n << 48n) - 1n;
// The bars in RGB (white, yellow, cyan, green, magenta, red, blue, black).
const BARS = ['#ebebeb', '#ebeb10', '#10ebeb', '#10eb10', '#eb10eb', '#eb1010', '#1010eb', '#101010'];

/** A length of `blocks` blocks in a picture `width` wide, rounded to a pixel (as the C++ lround). */
export const edge = (width, blocks) => Math.round((width * blocks) / 30);
/** The rows the time code needs (its grey band is 4 blocks high). */
export const bandRows = (width) => edge(width, 4);

/** Where bit i's block is, in a picture `width` wide. */
export function blockOf(i, width) {
  const column = i % 28;
  const row = Math.floor(i / 28);
  const x = edge(width, 1 + column);
  const y = edge(width, 1 + row);
  return { x, y, width: edge(width, 2 + column) - x, height: edge(width, 2 + row) - y, column, row };
}

function check(time48) {
  let sum = 0x5a;
  for (let i = 0n; i < 6n; i++) sum ^= Number((time48 >> (8n * i)) & 0xffn);
  return sum;
}

/** The 56 bits (as booleans, first bit first) that carry `captureServerUs`. */
export function bitsOf(captureServerUs) {
  const time48 = BigInt(Math.round(captureServerUs)) & TIME_MASK;
  const bits = (time48 << 8n) | BigInt(check(time48));
  return Array.from({ length: BITS }, (_, i) => ((bits >> BigInt(BITS - 1 - i)) & 1n) === 1n);
}

/** Draws frame `frame` of the pattern, carrying `captureServerUs`, on a 2D context. */
export function drawPattern(context, width, height, frame, captureServerUs) {
  const band = bandRows(width);
  const barWidth = Math.max(1, Math.floor(width / 8));
  const shift = (frame * 4) % width;
  for (let bar = 0; bar < 9; bar++) {  // one more bar: the slide shows its edge
    context.fillStyle = BARS[bar % 8];
    context.fillRect(bar * barWidth - shift, band, barWidth, height - band);
  }
  context.fillStyle = '#808080';
  context.fillRect(0, 0, width, band);
  bitsOf(captureServerUs).forEach((one, i) => {
    const block = blockOf(i, width);
    context.fillStyle = one ? '#ffffff' : '#000000';
    context.fillRect(block.x, block.y, block.width, block.height);
  });
}

/**
 * The capture time a picture carries, from its pixels: `rgba` the top 4b rows (or more) of a
 * `width`-wide picture, 4 bytes a pixel. Widened around `nearUs` (any recent time on the same
 * clock). Undefined when the blocks do not read or do not check.
 */
export function readTime(rgba, width, nearUs) {
  if (width < 60 || rgba.length < width * edge(width, 3) * 4) return undefined;
  let bits = 0n;
  for (let i = 0; i < BITS; i++) {
    const column = i % 28;
    const row = Math.floor(i / 28);
    // The middle half of the block: its edges are where compression and scaling smear.
    const x0 = edge(width, 1.25 + column);
    const x1 = Math.max(x0 + 1, edge(width, 1.75 + column));
    const y0 = edge(width, 1.25 + row);
    const y1 = Math.max(y0 + 1, edge(width, 1.75 + row));
    let sum = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const at = (y * width + x) * 4;
        sum += (rgba[at] + rgba[at + 1] + rgba[at + 2]) / 3;
      }
    bits = (bits << 1n) | (sum / ((x1 - x0) * (y1 - y0)) >= 128 ? 1n : 0n);
  }
  const time48 = bits >> 8n;
  if (check(time48) !== Number(bits & 0xffn)) return undefined;
  const near = BigInt(Math.round(nearUs));
  const span = TIME_MASK + 1n;
  let candidate = (near & ~TIME_MASK) | time48;
  if (candidate - near > span / 2n) candidate -= span;
  if (near - candidate > span / 2n) candidate += span;
  return Number(candidate);
}
