// The hand-rolled mask choice and SVG path in scripts/site/qr.ts must give exactly the
// symbol qrcode's own toString gives for the same (byte-mode) segment.
import QR from 'qrcode';
import { describe, expect, it } from 'vitest';
import { QR_OPTIONS, qrSvg } from '../../scripts/site/qr.ts';

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
});
