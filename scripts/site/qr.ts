// QR codes as SVG, made at build time: no script on the page draws them. Large builds
// make them inside the user-folder workers (workers.ts), so both cores share the work.
//
// Three per active user make QR codes a large share of a build, so this file does the two
// slow steps of `QR.toString(text, {type: 'svg'})` itself, with the same result module for
// module: the mask choice (qrcode tries 8 masks through per-module calls; here each mask
// is one precomputed plane per symbol size and the ISO 18004 penalties run on flat arrays)
// and the SVG path (one run-length path, as qrcode draws it). The text is one byte-mode
// segment: URLs are bytes anyway, and it skips qrcode's shortest-path segment search.
import { createRequire } from 'node:module';
import QR from 'qrcode';

/** Medium error correction survives a cracked phone screen; margin 2 is enough on white. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

const require = createRequire(import.meta.url);
const FormatInfo = require('qrcode/lib/core/format-info.js') as { getEncodedBits(level: { bit: number }, mask: number): number };
const ECLevel = require('qrcode/lib/core/error-correction-level.js') as Record<'L' | 'M' | 'Q' | 'H', { bit: number }>;

interface Matrix { size: number; data: Uint8Array; reservedBit: Uint8Array }

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

/** Per symbol size: for each mask, the XOR plane over the non-reserved (data) modules. */
const planes = new Map<number, Uint8Array[]>();
function maskPlanes(m: Matrix): Uint8Array[] {
  let p = planes.get(m.size);
  if (!p) {
    const n = m.size;
    p = MASKS.map((f) => {
      const plane = new Uint8Array(n * n);
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
        if (!m.reservedBit[r * n + c] && f(r, c)) plane[r * n + c] = 1;
      }
      return plane;
    });
    planes.set(m.size, p);
  }
  return p;
}

/** Format information for a mask, placed as qrcode's setupFormatInfo places it. */
function setFormat(d: Uint8Array, n: number, level: { bit: number }, mask: number): void {
  const bits = FormatInfo.getEncodedBits(level, mask);
  for (let i = 0; i < 15; i++) {
    const mod = (bits >> i) & 1;
    if (i < 6) d[i * n + 8] = mod;
    else if (i < 8) d[(i + 1) * n + 8] = mod;
    else d[(n - 15 + i) * n + 8] = mod;
    if (i < 8) d[8 * n + n - i - 1] = mod;
    else if (i < 9) d[8 * n + 15 - i] = mod;
    else d[8 * n + 14 - i] = mod;
  }
  d[(n - 8) * n + 8] = 1;
}

// Scored branch-light: a module's color is random, so `if (color changed)` mispredicts
// half the time, while `run < 5` and "not a finder-like pattern" almost never do.

/** N1 (runs of 5+: 3 points, +1 per extra module) and N3 (1:1:3:1:1 pattern) of one line. */
function linePenalty(d: Uint8Array, start: number, step: number, n: number): number {
  let points = 0, last = 2, run = 0, bits = 0;
  for (let b = 0, i = start; b < n; b++, i += step) {
    const m = d[i];
    run = run * (m === last ? 1 : 0) + 1;
    last = m;
    if (run >= 5) points += run === 5 ? 3 : 1;
    bits = ((bits << 1) & 0x7ff) | m;
    if ((bits === 0x5d0 || bits === 0x05d) && b >= 10) points += 40;
  }
  return points;
}

/** The ISO 18004 penalty (N1..N4) exactly as qrcode's mask-pattern.js scores it. */
function penalty(d: Uint8Array, n: number): number {
  let points = 0;
  for (let a = 0; a < n; a++) points += linePenalty(d, a * n, 1, n) + linePenalty(d, a, n, n);
  let blocks = 0; // 2x2 blocks of one color (N2)
  for (let r = 0; r < n - 1; r++) {
    for (let i = r * n, end = i + n - 1; i < end; i++) {
      const m = d[i];
      blocks += 1 ^ ((m ^ d[i + 1]) | (m ^ d[i + n]) | (m ^ d[i + n + 1]));
    }
  }
  let dark = 0;
  for (let i = 0; i < n * n; i++) dark += d[i];
  return points + blocks * 3 + Math.abs(Math.ceil((dark * 100 / (n * n)) / 5) - 10) * 10;
}

/** The modules of `text`'s QR code: the same symbol `QR.create` gives for one byte segment. */
export function qrModules(text: string, level: keyof typeof ECLevel = QR_OPTIONS.errorCorrectionLevel): { size: number; data: Uint8Array } {
  // Built with mask 0, then unmasked and scored under each mask as qrcode's getBestMask does.
  const m = QR.create([{ data: text, mode: 'byte' }] as any, { errorCorrectionLevel: level, maskPattern: 0 } as any).modules as unknown as Matrix;
  const n = m.size;
  const p = maskPlanes(m);
  const raw = m.data.slice();
  for (let i = 0; i < raw.length; i++) raw[i] ^= p[0][i];
  const work = new Uint8Array(raw.length);
  let best = 0, lowest = Infinity;
  for (let k = 0; k < 8; k++) {
    const plane = p[k];
    for (let i = 0; i < raw.length; i++) work[i] = raw[i] ^ plane[i];
    setFormat(work, n, ECLevel[level], k);
    const score = penalty(work, n);
    if (score < lowest) { lowest = score; best = k; }
  }
  if (best === 0) return { size: n, data: m.data };
  for (let i = 0; i < raw.length; i++) raw[i] ^= p[best][i];
  setFormat(raw, n, ECLevel[level], best);
  return { size: n, data: raw };
}

/** Dark modules as one path: per row, a horizontal stroke per run (qrcode's own drawing). */
/** The symbol's side in modules (with the margin) and its two paths: white ground, black runs. */
function qrPaths(size: number, data: Uint8Array, margin: number): { total: number; paths: string } {
  const total = size + margin * 2;
  let path = '';
  for (let r = 0; r < size; r++) {
    let gap = 0;
    let first = true;
    for (let c = 0; c < size;) {
      if (!data[r * size + c]) { c++; gap++; continue; }
      let end = c + 1;
      while (end < size && data[r * size + end]) end++;
      path += first ? `M${c + margin} ${0.5 + r + margin}` : `m${gap} 0`;
      path += `h${end - c}`;
      first = false;
      gap = 0;
      c = end;
    }
  }
  return { total, paths: `<path fill="#ffffff" d="M0 0h${total}v${total}H0z"/><path stroke="#000000" d="${path}"/>` };
}

function svgOf(size: number, data: Uint8Array, margin: number): string {
  const { total, paths } = qrPaths(size, data, margin);
  // A size lets <img> lay it out before it loads.
  return `<svg width="240" height="240" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges">${paths}</svg>\n`;
}

/**
 * The code as an SVG <symbol> (id: letters, digits and '-'), for a page that shows it
 * more than once (once per language) with <use>: the paths are in the page one time.
 */
export function qrSymbol(id: string, text: string): string {
  const { size, data } = qrModules(text);
  const { total, paths } = qrPaths(size, data, QR_OPTIONS.margin);
  return `<symbol id="${id}" viewBox="0 0 ${total} ${total}">${paths}</symbol>`;
}

export async function qrSvg(text: string): Promise<string> {
  const { size, data } = qrModules(text);
  return svgOf(size, data, QR_OPTIONS.margin);
}
