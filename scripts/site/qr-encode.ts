// The unmasked QR symbol of one byte-mode segment: version choice, data codewords,
// Reed-Solomon blocks and module placement, giving the symbol qrcode's QR.create gives
// before its mask. Written out because a site build makes three codes per user and
// qrcode's general path (segment objects, polynomial arrays, a BitMatrix per symbol) was
// most of their cost. What does not depend on the text (function patterns, which modules
// carry data and in which order) is taken from qrcode once per version and level.
import { createRequire } from 'node:module';
import QR from 'qrcode';

const require = createRequire(import.meta.url);
const ECCode = require('qrcode/lib/core/error-correction-code.js') as {
  getBlocksCount(version: number, level: { bit: number }): number;
  getTotalCodewordsCount(version: number, level: { bit: number }): number;
};
const Utils = require('qrcode/lib/core/utils.js') as { getSymbolTotalCodewords(version: number): number };
export const ECLevel = require('qrcode/lib/core/error-correction-level.js') as Record<'L' | 'M' | 'Q' | 'H', { bit: number }>;
export type Level = keyof typeof ECLevel;

/** One symbol before masking: 0/1 per module, and which modules are function patterns. */
export interface Unmasked { size: number; raw: Uint8Array; reserved: Uint8Array }

/** What every symbol of one version and level shares. */
interface Layout {
  version: number;
  size: number;
  /** Function pattern modules as qrcode draws them (format info is set per mask later). */
  base: Uint8Array;
  reserved: Uint8Array;
  /** Data modules in the order bits are placed (qrcode's setupData zigzag). */
  order: Uint32Array;
  dataCodewords: number;
  /** Data codewords per block, group 1 then group 2. */
  blocks: number[];
  /** Reed-Solomon generator (without its leading 1) for the EC codewords of a block, as logs. */
  generatorLog: Uint8Array;
}

// GF(256) with qrcode's (and ISO 18004's) polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const gfMul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

/** The generator polynomial (x - α^0)…(x - α^(degree-1)), highest term first. */
function generatorOf(degree: number): Uint8Array {
  let poly = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= gfMul(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly.subarray(1);
}

/** Byte capacity of a version and level for one byte-mode segment (qrcode's getCapacity). */
function byteCapacity(version: number, level: { bit: number }): number {
  const dataBits = (Utils.getSymbolTotalCodewords(version) - ECCode.getTotalCodewordsCount(version, level)) * 8;
  return Math.floor((dataBits - 4 - countBits(version)) / 8);
}

const countBits = (version: number): number => (version < 10 ? 8 : 16);

/** Per level, the byte capacity of versions 1..40 (index 0 unused). */
const capacities = new Map<Level, number[]>();
function smallestVersion(length: number, level: Level): number {
  let caps = capacities.get(level);
  if (!caps) capacities.set(level, (caps = Array.from({ length: 41 }, (_, v) => (v ? byteCapacity(v, ECLevel[level]) : 0))));
  for (let v = 1; v <= 40; v++) if (caps[v] >= length) return v;
  throw new Error(`QR code: ${length} bytes do not fit in any version at level ${level}`);
}

const layouts = new Map<string, Layout>();
function layoutOf(version: number, level: Level): Layout {
  const key = `${version}${level}`;
  let layout = layouts.get(key);
  if (layout) return layout;
  // Function patterns and the reserved map, from a symbol qrcode draws for this version.
  const m = QR.create([{ data: '', mode: 'byte' }] as any, { version, errorCorrectionLevel: level, maskPattern: 0 } as any)
    .modules as unknown as { size: number; data: Uint8Array; reservedBit: Uint8Array };
  const n = m.size;
  const base = new Uint8Array(n * n);
  for (let i = 0; i < base.length; i++) if (m.reservedBit[i]) base[i] = m.data[i];
  const order: number[] = [];
  let row = n - 1, inc = -1;
  for (let col = n - 1; col > 0; col -= 2) {
    if (col === 6) col--;
    for (;;) {
      for (let c = 0; c < 2; c++) if (!m.reservedBit[row * n + col - c]) order.push(row * n + col - c);
      row += inc;
      if (row < 0 || row >= n) { row -= inc; inc = -inc; break; }
    }
  }
  const total = Utils.getSymbolTotalCodewords(version);
  const ecTotal = ECCode.getTotalCodewordsCount(version, ECLevel[level]);
  const blockCount = ECCode.getBlocksCount(version, ECLevel[level]);
  const dataCodewords = total - ecTotal;
  const inGroup2 = total % blockCount;
  const dataInGroup1 = Math.floor(dataCodewords / blockCount);
  const blocks = Array.from({ length: blockCount }, (_, b) => (b < blockCount - inGroup2 ? dataInGroup1 : dataInGroup1 + 1));
  const ecPerBlock = Math.floor(total / blockCount) - dataInGroup1;
  const generator = generatorOf(ecPerBlock);
  // Held as logs, which a zero coefficient has none of (no QR generator has one).
  if (generator.includes(0)) throw new Error(`QR code: generator of degree ${ecPerBlock} has a zero coefficient`);
  layout = { version, size: n, base, reserved: m.reservedBit, order: Uint32Array.from(order), dataCodewords, blocks, generatorLog: generator.map((g) => LOG[g]) };
  layouts.set(key, layout);
  return layout;
}

/** The data codewords: mode, count, bytes, terminator, byte padding, pad codewords. */
function dataCodewords(bytes: Uint8Array, layout: Layout): Uint8Array {
  const out = new Uint8Array(layout.dataCodewords);
  let acc = 0, bits = 0, at = 0;
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >>> i) & 1);
      if (++bits === 8) { out[at++] = acc; acc = 0; bits = 0; }
    }
  };
  put(0b0100, 4);
  put(bytes.length, countBits(layout.version));
  for (const b of bytes) put(b, 8);
  if (at * 8 + bits + 4 <= out.length * 8) put(0, 4);
  if (bits) put(0, 8 - bits);
  for (let pad = 0; at < out.length; pad ^= 1) out[at++] = pad ? 0x11 : 0xec;
  return out;
}

/** Blocks with their EC codewords, interleaved as ISO 18004 (and qrcode) lay them out. */
function interleave(data: Uint8Array, layout: Layout): Uint8Array {
  const logG = layout.generatorLog;
  const ecLen = logG.length;
  const starts: number[] = [];
  const ec: Uint8Array[] = [];
  let offset = 0;
  for (const size of layout.blocks) {
    starts.push(offset);
    // Polynomial division as a shift register: each data codeword shifts in, and the
    // generator times the codeword leaving is added (in log form: one table read a term).
    const rem = new Uint8Array(ecLen);
    for (let i = 0; i < size; i++) {
      const factor = data[offset + i] ^ rem[0];
      rem.copyWithin(0, 1);
      rem[ecLen - 1] = 0;
      if (factor === 0) continue;
      const logF = LOG[factor];
      for (let j = 0; j < ecLen; j++) rem[j] ^= EXP[logG[j] + logF];
    }
    ec.push(rem);
    offset += size;
  }
  const out = new Uint8Array(data.length + ecLen * layout.blocks.length);
  let at = 0;
  const longest = layout.blocks[layout.blocks.length - 1];
  for (let i = 0; i < longest; i++) {
    layout.blocks.forEach((size, b) => { if (i < size) out[at++] = data[starts[b] + i]; });
  }
  for (let i = 0; i < ecLen; i++) for (const block of ec) out[at++] = block[i];
  return out;
}

/** The unmasked symbol of `text` as one byte segment (UTF-8), smallest version that fits. */
export function unmaskedSymbol(text: string, level: Level): Unmasked {
  const bytes = Buffer.from(text, 'utf8');
  const layout = layoutOf(smallestVersion(bytes.length, level), level);
  const codewords = interleave(dataCodewords(bytes, layout), layout);
  const raw = layout.base.slice();
  const { order } = layout;
  const bitCount = Math.min(order.length, codewords.length * 8);
  for (let j = 0; j < bitCount; j++) raw[order[j]] = (codewords[j >> 3] >> (7 - (j & 7))) & 1;
  return { size: layout.size, raw, reserved: layout.reserved };
}
