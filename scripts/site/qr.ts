// QR codes as small PNG images, made at build time: no script on the page draws them.
// Large builds make them inside the user-folder workers (workers.ts), so both cores share
// the work.
//
// Three per active user make QR codes a large share of a build, so what `QR.create` does
// is done here, with the same result module for module (test/site/qr.test.ts): the symbol
// (qr-encode.ts) and the mask choice (qr-mask.ts). The text is one byte-mode segment: URLs
// are bytes anyway, and it skips qrcode's shortest-path segment search.
import { ECLevel, unmaskedSymbol, type Level } from './qr-encode.ts';
import { bestMasked } from './qr-mask.ts';

/** Medium error correction survives a cracked phone screen; margin 2 is enough on white. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The modules of `text`'s QR code: the same symbol `QR.create` gives for one byte segment. */
export function qrModules(text: string, level: Level = QR_OPTIONS.errorCorrectionLevel): { size: number; data: Uint8Array } {
  const m = unmaskedSymbol(text, level);
  return { size: m.size, data: bestMasked(m, ECLevel[level]) };
}

const NOTHING = new Uint8Array(0);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array, from: number, to: number): number {
  let c = -1;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** One PNG chunk (length, type, data, CRC of type and data) written into `out` at `at`; returns the end. */
function chunk(out: Buffer, at: number, type: string, data: Uint8Array): number {
  out.writeUInt32BE(data.length, at);
  out.write(type, at + 4, 'latin1');
  out.set(data, at + 8);
  out.writeUInt32BE(crc32(out, at + 4, at + 8 + data.length), at + 8 + data.length);
  return at + 12 + data.length;
}

/**
 * The symbol as a PNG of one pixel per module (margin included), 1-bit greyscale, the
 * image data in one stored (uncompressed) deflate block. A phone scans it from the page,
 * where CSS scales it up without smoothing (`.qr` in site.css). About 300 bytes where the
 * SVG path was 2,400, and no compressor to run per code: a stored block is also the same
 * bytes on every zlib.
 */
export function qrPng(size: number, data: Uint8Array, margin: number): Buffer {
  const side = size + margin * 2;
  const stride = 1 + Math.ceil(side / 8); // filter byte (0: none) + the row's bits
  const length = stride * side;
  // zlib stream: header (deflate, 32 KiB window, no dictionary), one final stored block
  // holding the rows, Adler-32.
  const zlib = Buffer.allocUnsafe(2 + 5 + length + 4); // every byte is written below
  zlib[0] = 0x78; zlib[1] = 0x01;
  zlib[2] = 0x01; // BFINAL, stored
  zlib.writeUInt16LE(length, 3);
  zlib.writeUInt16LE(~length & 0xffff, 5);
  const raw = zlib.subarray(7, 7 + length);
  raw.fill(0xff); // 1 = white
  for (let r = 0; r < side; r++) raw[r * stride] = 0;
  for (let r = 0; r < size; r++) {
    const row = (r + margin) * stride + 1;
    for (let c = 0, at = r * size; c < size; c++, at++) {
      if (data[at] === 0) continue;
      const x = c + margin;
      raw[row + (x >> 3)] &= ~(0x80 >> (x & 7));
    }
  }
  // Adler-32 reduced once at the end: a symbol's rows are at most 4,344 bytes (version 40,
  // margin 2), under the 5,552 after which the sums could pass 2^32 in 32-bit zlib; here
  // they are doubles and exact far beyond that.
  let a = 1;
  let b = 0;
  for (let i = 0; i < length; i++) { a += raw[i]; b += a; }
  zlib.writeUInt32BE(((b % 65521) * 65536 + (a % 65521)) >>> 0, 7 + length);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale; compression, filter and interlace methods 0
  const out = Buffer.allocUnsafe(PNG_SIGNATURE.length + 12 * 3 + ihdr.length + zlib.length); // written in full
  PNG_SIGNATURE.copy(out, 0);
  let at = chunk(out, PNG_SIGNATURE.length, 'IHDR', ihdr);
  at = chunk(out, at, 'IDAT', zlib);
  chunk(out, at, 'IEND', NOTHING);
  return out;
}

/**
 * A data: URL made by qrDataUrl: base64 only, so a template may put it in raw. The type
 * keeps any other string out of that place (a cast would stand out in review).
 */
export type QrImageUrl = string & { readonly qrImage: unique symbol };

/** The QR code of `text` as a data: URL of its PNG, for an <img> (the page's CSP allows data: images). */
export function qrDataUrl(text: string): QrImageUrl {
  const { size, data } = qrModules(text);
  return `data:image/png;base64,${qrPng(size, data, QR_OPTIONS.margin).toString('base64')}` as QrImageUrl;
}
