// QR codes as SVG, made at build time: no script on the page draws them. Large builds
// make them inside the user-folder workers (workers.ts), so both cores share the work.
//
// Three per active user make QR codes a large share of a build, so what
// `QR.toString(text, {type: 'svg'})` does is done here, with the same result module for
// module (test/site/qr.test.ts): the symbol (qr-encode.ts), the mask choice (qr-mask.ts)
// and the SVG path (one run-length path, as qrcode draws it). The text is one byte-mode
// segment: URLs are bytes anyway, and it skips qrcode's shortest-path segment search.
import { ECLevel, unmaskedSymbol, type Level } from './qr-encode.ts';
import { bestMasked } from './qr-mask.ts';

/** Medium error correction survives a cracked phone screen; margin 2 is enough on white. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The modules of `text`'s QR code: the same symbol `QR.create` gives for one byte segment. */
export function qrModules(text: string, level: Level = QR_OPTIONS.errorCorrectionLevel): { size: number; data: Uint8Array } {
  const m = unmaskedSymbol(text, level);
  return { size: m.size, data: bestMasked(m, ECLevel[level]) };
}

/** Path pieces by number (a symbol is at most 177 modules wide): built once, not per run. */
const MOVE = Array.from({ length: 178 }, (_, n) => `m${n} 0`);
const LINE = Array.from({ length: 178 }, (_, n) => `h${n}`);

/**
 * The symbol's side in modules (with the margin) and its two paths: white ground, black
 * runs, one horizontal stroke per run of dark modules (qrcode's own drawing).
 */
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
      path += first ? `M${c + margin} ${0.5 + r + margin}` : MOVE[gap];
      path += LINE[end - c];
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
