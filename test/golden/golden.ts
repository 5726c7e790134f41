// What the demo fleet renders to, byte for byte: node configs, user profiles and the
// site, as SHA-256 per file. Refactors must not change a byte (#13); a change of output
// that is meant regenerates the fixture (`npx tsx test/golden/golden.ts --write`) in the
// same commit, where the diff shows which files changed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { main } from '../../scripts/fleet.ts';
import { DEMO_CLOCK } from '../../scripts/site/demo.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const FIXTURE = join(REPO, 'test', 'golden', 'demo-fleet.sha256.json');
const NOW = DEMO_CLOCK;

export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Renders and builds the demo fleet (demo secret, pinned clock) and hashes every file. */
export async function demoOutputs(run: typeof main = main): Promise<Record<string, Record<string, string>>> {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-golden-'));
  try {
    const io = { out: () => {}, err: () => {} };
    for (const argv of [['render', '--out', join(dir, 'build')], ['site', '--out', join(dir, 'site')]]) {
      const code = await run([...argv, '--root', REPO, '--now', NOW], io, {});
      if (code !== 0) throw new Error(`fleet ${argv[0]} exited ${code}`);
    }
    return { build: hashTree(join(dir, 'build')), site: hashTree(join(dir, 'site')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--write')) {
  writeFileSync(FIXTURE, `${JSON.stringify(await demoOutputs(), null, 2)}\n`);
  console.log(`wrote ${relative(REPO, FIXTURE)}`);
}
