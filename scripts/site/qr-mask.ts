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

class LaneCounts {
  readonly total = new Float64Array(8);
  lo = 0;
  hi = 0;
  add(byte: number): void { this.lo += LO[byte]; this.hi += HI[byte]; }
  flush(weight: number): void {
    for (let k = 0; k < 4; k++) {
      this.total[k] += ((this.lo >>> (8 * k)) & 0xff) * weight;
      this.total[k + 4] += ((this.hi >>> (8 * k)) & 0xff) * weight;
    }
    this.lo = this.hi = 0;
  }
}

/**
 * N1 (runs of 5+: 3 points, +1 per extra module) and N3 (1:1:3:1:1 pattern with four light
 * modules on one side) of one line, all lanes at once. `run5` counts modules where a run
 * reaches 5, `run6` those where it goes on; the finder pattern is matched on a window of
 * the last 11 modules, as qrcode's mask-pattern.js scores them.
 */
function linePenalty(l: Uint8Array, n: number, run5: LaneCounts, run6: LaneCounts, finder: LaneCounts): void {
  let r2 = 0, r3 = 0, r4 = 0, r5 = 0;
  for (let b = 1; b < n; b++) {
    const same = ~(l[b] ^ l[b - 1]) & 0xff;
    const r6 = same & r5;
    r5 = same & r4; r4 = same & r3; r3 = same & r2; r2 = same;
    run5.add(r5 & ~r6);
    run6.add(r6);
    if (b < 10) continue;
    // 1011101 with 0000 after it (0x5d0 read oldest first) or before it (0x05d).
    const core = l[b - 10] & ~l[b - 9] & l[b - 8] & l[b - 7] & l[b - 6] & ~l[b - 5] & l[b - 4];
    const coreLate = l[b - 6] & ~l[b - 5] & l[b - 4] & l[b - 3] & l[b - 2] & ~l[b - 1] & l[b];
    const before = core & ~(l[b - 3] | l[b - 2] | l[b - 1] | l[b]);
    const after = coreLate & ~(l[b - 10] | l[b - 9] | l[b - 8] | l[b - 7]);
    finder.add((before | after) & 0xff);
  }
  run5.flush(3);
  run6.flush(1);
  finder.flush(40);
}

/** The ISO 18004 penalty (N1..N4) of each mask, exactly as qrcode's mask-pattern.js scores it. */
function penalties(lanes: Uint8Array, n: number): Float64Array {
  const run5 = new LaneCounts(), run6 = new LaneCounts(), finder = new LaneCounts();
  const line = new Uint8Array(n);
  for (let a = 0; a < n; a++) {
    linePenalty(lanes.subarray(a * n, a * n + n), n, run5, run6, finder);
    for (let r = 0; r < n; r++) line[r] = lanes[r * n + a];
    linePenalty(line, n, run5, run6, finder);
  }
  const blocks = new LaneCounts(), dark = new LaneCounts();
  for (let r = 0; r < n; r++) {
    for (let i = r * n, end = i + n; i < end; i++) {
      dark.add(lanes[i]);
      // 2x2 blocks of one color (N2)
      if (r < n - 1 && i < end - 1) {
        const m = lanes[i];
        blocks.add(~((m ^ lanes[i + 1]) | (m ^ lanes[i + n]) | (m ^ lanes[i + n + 1])) & 0xff);
      }
    }
    blocks.flush(3);
    dark.flush(1);
  }
  const score = new Float64Array(8);
  for (let k = 0; k < 8; k++) {
    score[k] = run5.total[k] + run6.total[k] + finder.total[k] + blocks.total[k]
      + Math.abs(Math.ceil((dark.total[k] * 100 / (n * n)) / 5) - 10) * 10;
  }
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
