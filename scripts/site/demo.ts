// A site built with the public demo secret is marked twice, so publishing can refuse it
// even when dotfiles were stripped on the way (upload-pages-artifact drops them):
// a marker file at the root and a <meta name="boxfleet-demo"> in every page.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEMO_MARKER = '.boxfleet-demo';
export const DEMO_META = 'name="boxfleet-demo"';

export function isDemoBuild(dir: string): boolean {
  if (existsSync(join(dir, DEMO_MARKER))) return true;
  const index = join(dir, 'index.html');
  return existsSync(index) && readFileSync(index, 'utf8').includes(DEMO_META);
}

/**
 * The day the demo fleet's story is true on (carol expired, frank inside his rotation's
 * grace period): `npm start` and the golden fixture run on it, so the demo never ages.
 */
export const DEMO_CLOCK = '2026-11-26T12:00:00Z';

/** The demo fleet is the one whose fleet.yaml says `name: demo`. */
export function isDemoFleet(root: string): boolean {
  try {
    return /^name:\s*demo\s*$/m.test(readFileSync(join(root, 'fleet.yaml'), 'utf8'));
  } catch {
    return false;
  }
}
