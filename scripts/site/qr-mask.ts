// The mask of a QR symbol, chosen as qrcode's getBestMask chooses it: each of the eight
// masks scored with the ISO 18004 penalties (N1..N4), the lowest score winning, the first
// on a tie. All eight are scored at once: one byte per module, bit k = the module under
// mask k, and every penalty counts in bit lanes (qrcode builds eight symbols and scores
// them through per-module calls, which was most of a site build's QR cost).
import { createRequire } from 'node:module';
import type { Unmasked } from './qr-encode.ts';

const require = createRequire(import.meta.url);
const FormatInfo = require('qrcode/lib/core/format-info.js') as { getEncodedBits(level: { bit: number }, mask: number): number };

const MASKS: ((i: number, j: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => (i * j) % 2 + (i * j) % 3 === 0,
  (i, j) => ((i * j) % 2 + (i * j) % 3) % 2 === 0,
  (i, j) => ((i * j) % 3 + (i + j) % 2) % 2 === 0,
];

/**
 * Per symbol size, one byte per module: bit k set where mask k flips it (data modules
 * only). All eight masked symbols are then one byte array, bit k = the module under mask
 * k, and the penalties below score the eight masks at once, one bit lane per mask.
 */
const planes = new Map<number, Uint8Array>();
function maskPlane(m: Unmasked): Uint8Array {
  let plane = planes.get(m.size);
  if (!plane) {
    const n = m.size;
    plane = new Uint8Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      if (m.reserved[r * n + c]) continue;
      let bits = 0;
      MASKS.forEach((f, k) => { if (f(r, c)) bits |= 1 << k; });
      plane[r * n + c] = bits;
    }
    planes.set(m.size, plane);
  }
  return plane;
}

/** Format information of all eight masks, placed as qrcode's setupFormatInfo places it. */
function setFormats(lanes: Uint8Array, n: number, level: { bit: number }): void {
  const bits = MASKS.map((_, k) => FormatInfo.getEncodedBits(level, k));
  for (let i = 0; i < 15; i++) {
    let byte = 0;
    for (let k = 0; k < 8; k++) byte |= ((bits[k] >> i) & 1) << k;
    if (i < 6) lanes[i * n + 8] = byte;
    else if (i < 8) lanes[(i + 1) * n + 8] = byte;
    else lanes[(n - 15 + i) * n + 8] = byte;
    if (i < 8) lanes[8 * n + n - i - 1] = byte;
    else if (i < 9) lanes[8 * n + 15 - i] = byte;
    else lanes[8 * n + 14 - i] = byte;
  }
  lanes[(n - 8) * n + 8] = 0xff;
}

// Counting per lane: a byte's eight bits spread to 8-bit counters, four to an int (LO: lanes
// 0-3, HI: lanes 4-7), so one addition counts all eight masks. Flushed per line, before a
// counter could pass 255 (a line has at most 177 modules).
const LO = new Uint32Array(256);
const HI = new Uint32Array(256);
for (let b = 0; b < 256; b++) {
  for (let k = 0; k < 4; k++) {
    LO[b] |= ((b >> k) & 1) << (8 * k);
    HI[b] |= ((b >> (k + 4)) & 1) << (8 * k);
  }
}

/** LO and HI with each counter worth 3: N1's points for a run reaching 5. */
const LO3 = LO.map((x) => x * 3);
const HI3 = HI.map((x) => x * 3);

/** Adds the eight 8-bit counters of lo (lanes 0-3) and hi (lanes 4-7), times `weight`. */
function flush(total: Float64Array, lo: number, hi: number, weight: number): void {
  for (let k = 0; k < 4; k++) {
    total[k] += ((lo >>> (8 * k)) & 0xff) * weight;
    total[k + 4] += ((hi >>> (8 * k)) & 0xff) * weight;
  }
}

/**
 * N1 (runs of 5+: 3 points, +1 per extra module) and N3 (1:1:3:1:1 pattern with four light
 * modules on one side) of one line (`n` modules from `start`, `step` apart), all lanes at
 * once, added to `total`. A line's N1 points are at most its length, so its 8-bit counters
 * cannot overflow; the finder pattern is matched on a window of the last 11 modules (w0
 * oldest), as qrcode's mask-pattern.js scores them.
 */
function linePenalty(d: Uint8Array, start: number, step: number, n: number, total: Float64Array): void {
  let r2 = 0, r3 = 0, r4 = 0, r5 = 0, runLo = 0, runHi = 0, finderLo = 0, finderHi = 0;
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0, w8 = 0, w9 = 0, w10 = d[start];
  for (let b = 1, i = start + step; b < n; b++, i += step) {
    w0 = w1; w1 = w2; w2 = w3; w3 = w4; w4 = w5; w5 = w6; w6 = w7; w7 = w8; w8 = w9; w9 = w10; w10 = d[i];
    const same = ~(w10 ^ w9) & 0xff;
    const r6 = same & r5;
    r5 = same & r4; r4 = same & r3; r3 = same & r2; r2 = same;
    const exact5 = r5 & ~r6;
    runLo += LO3[exact5] + LO[r6];
    runHi += HI3[exact5] + HI[r6];
    if (b < 10) continue;
    // 1011101 with 0000 after it (0x5d0 read oldest first) or before it (0x05d).
    const before = w0 & ~w1 & w2 & w3 & w4 & ~w5 & w6 & ~(w7 | w8 | w9 | w10);
    const after = w4 & ~w5 & w6 & w7 & w8 & ~w9 & w10 & ~(w0 | w1 | w2 | w3);
    const found = (before | after) & 0xff;
    finderLo += LO[found];
    finderHi += HI[found];
  }
  flush(total, runLo, runHi, 1);
  flush(total, finderLo, finderHi, 40);
}

/** The ISO 18004 penalty (N1..N4) of each mask, exactly as qrcode's mask-pattern.js scores it. */
function penalties(lanes: Uint8Array, n: number): Float64Array {
  const score = new Float64Array(8);
  for (let a = 0; a < n; a++) {
    linePenalty(lanes, a * n, 1, n, score);
    linePenalty(lanes, a, n, n, score);
  }
  const dark = new Float64Array(8);
  for (let r = 0; r < n; r++) {
    let blockLo = 0, blockHi = 0, darkLo = 0, darkHi = 0;
    for (let i = r * n, end = i + n; i < end; i++) {
      const m = lanes[i];
      darkLo += LO[m];
      darkHi += HI[m];
      // 2x2 blocks of one color (N2)
      if (r < n - 1 && i < end - 1) {
        const same = ~((m ^ lanes[i + 1]) | (m ^ lanes[i + n]) | (m ^ lanes[i + n + 1])) & 0xff;
        blockLo += LO[same];
        blockHi += HI[same];
      }
    }
    flush(score, blockLo, blockHi, 3);
    flush(dark, darkLo, darkHi, 1);
  }
  for (let k = 0; k < 8; k++) score[k] += Math.abs(Math.ceil((dark[k] * 100 / (n * n)) / 5) - 10) * 10;
  return score;
}

/** The symbol under its best mask, format information included. */
export function bestMasked(m: Unmasked, level: { bit: number }): Uint8Array {
  const n = m.size;
  const plane = maskPlane(m);
  const lanes = new Uint8Array(n * n);
  for (let i = 0; i < lanes.length; i++) lanes[i] = plane[i] ^ (m.raw[i] * 0xff);
  setFormats(lanes, n, level);
  const score = penalties(lanes, n);
  let best = 0;
  for (let k = 1; k < 8; k++) if (score[k] < score[best]) best = k;
  const data = new Uint8Array(n * n);
  for (let i = 0; i < data.length; i++) data[i] = (lanes[i] >> best) & 1;
  return data;
}
