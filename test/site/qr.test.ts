// The hand-rolled encoder (qr-encode.ts) and mask choice in scripts/site/qr.ts must give
// exactly the symbol qrcode's own create gives for the same (byte-mode) segment, and the
// PNG the page shows must be that symbol, pixel for pixel, as a PNG decoder reads it
// (pngjs, which checks the CRCs and inflates with zlib). The browser test scans them.
import { PNG } from 'pngjs';
import QR from 'qrcode';
import { describe, expect, it } from 'vitest';
import { QR_OPTIONS, qrDataUrl, qrModules, qrPng } from '../../scripts/site/qr.ts';

/** The PNG's pixels as modules (1 = dark), margin cut off. */
function pngModules(png: Buffer, size: number, margin: number): Uint8Array {
  const img = PNG.sync.read(png);
  expect([img.width, img.height]).toEqual([size + 2 * margin, size + 2 * margin]);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const dark = img.data[(y * img.width + x) * 4] === 0;
      const inside = y >= margin && y < margin + size && x >= margin && x < margin + size;
      if (!inside) expect(dark, `margin pixel ${x},${y}`).toBe(false);
      else out[(y - margin) * size + (x - margin)] = Number(dark);
    }
  }
  return out;
}

describe('QR codes', () => {
  it('match qrcode module for module, for every mask qrcode would choose, and the PNG is that symbol', () => {
    const masks = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const token = Buffer.from(`token-${i}-${'x'.repeat(i % 23)}`).toString('base64url');
      const text = `https://sub.example.com/s/${token}/${['sing-box.json', 'mihomo.yaml', 'links.txt'][i % 3]}`;
      const lib = QR.create([{ data: text, mode: 'byte' }] as any, { errorCorrectionLevel: QR_OPTIONS.errorCorrectionLevel });
      masks.add(lib.maskPattern!);
      const ours = qrModules(text);
      expect(Buffer.from(ours.data).equals(Buffer.from(lib.modules.data)), text).toBe(true);
      const url = qrDataUrl(text);
      expect(url.startsWith('data:image/png;base64,')).toBe(true);
      const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
      expect(Buffer.from(pngModules(png, ours.size, QR_OPTIONS.margin)).equals(Buffer.from(lib.modules.data)), text).toBe(true);
    }
    expect(masks.size).toBe(8);
  });

  it('draws a PNG of any width, rows not a multiple of 8 pixels included', () => {
    for (const size of [21, 25, 29, 57, 177]) {
      const data = Uint8Array.from({ length: size * size }, (_, i) => ((i * 7919) % 5 === 0 ? 1 : 0));
      for (const margin of [0, 2, 4]) expect(Buffer.from(pngModules(qrPng(size, data, margin), size, margin)).equals(Buffer.from(data)), `${size}+${margin}`).toBe(true);
    }
  });

  it('matches qrcode for every version and level: 8- and 16-bit counts, version info, many blocks, UTF-8', () => {
    const LIMIT = { L: 2953, M: 2331, Q: 1663, H: 1273 } as const;
    for (const level of ['M', 'L', 'Q', 'H'] as const) {
      const versions = new Set<number>();
      for (let length = 1; length <= LIMIT[level]; length += level === 'M' ? 37 : 131) {
        let text = 'https://例え.example/'.repeat(Math.ceil(length / 20)).slice(0, length);
        while (Buffer.byteLength(text) > length) text = text.slice(0, -1); // 例え: 3 bytes each
        const lib = QR.create([{ data: text, mode: 'byte' }] as any, { errorCorrectionLevel: level });
        versions.add(lib.version);
        const ours = qrModules(text, level);
        expect(ours.size).toBe(lib.modules.size);
        expect(Buffer.from(ours.data).equals(Buffer.from(lib.modules.data)), `${level}: ${length} bytes`).toBe(true);
      }
      expect(Math.min(...versions), level).toBeLessThanOrEqual(2);
      expect(Math.max(...versions), level).toBeGreaterThanOrEqual(level === 'M' ? 40 : 38);
    }
  });
});
