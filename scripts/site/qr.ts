// QR codes as SVG, made at build time: no script on the page draws them. Large builds
// make them inside the user-folder workers (workers.ts), so both cores share the work.
import QR from 'qrcode';

/** Medium error correction survives a cracked phone screen; margin 2 is enough on white. */
export const QR_OPTIONS = { type: 'svg', errorCorrectionLevel: 'M', margin: 2 } as const;

export async function qrSvg(text: string): Promise<string> {
  // qrcode's SVG has only a viewBox; a size lets <img> lay it out before it loads.
  return (await QR.toString(text, QR_OPTIONS)).replace('<svg ', '<svg width="240" height="240" ');
}
