// The hand-rolled encoder (qr-encode.ts), mask choice and SVG path in scripts/site/qr.ts
// must give exactly the symbol qrcode's own create/toString give for the same (byte-mode)
// segment.
import QR from 'qrcode';
import { describe, expect, it } from 'vitest';
import { QR_OPTIONS, qrModules, qrSvg } from '../../scripts/site/qr.ts';

describe('qrSvg', () => {
  it('matches qrcode module for module, for every mask qrcode would choose', async () => {
    const masks = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const token = Buffer.from(`token-${i}-${'x'.repeat(i % 23)}`).toString('base64url');
      const text = `https://sub.example.com/s/${token}/${['sing-box.json', 'mihomo.yaml', 'links.txt'][i % 3]}`;
      const segment = [{ data: text, mode: 'byte' }] as any;
      masks.add(QR.create(segment, { errorCorrectionLevel: QR_OPTIONS.errorCorrectionLevel }).maskPattern!);
      const lib = await QR.toString(segment, { type: 'svg', ...QR_OPTIONS });
      expect(await qrSvg(text)).toBe(lib.replace('<svg ', '<svg width="240" height="240" '));
    }
    expect(masks.size).toBe(8);
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
