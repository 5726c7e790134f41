// The pipeline's arrows run one way (#13): a folder of scripts/ may import only folders
// below it. The graph is drawn from the source itself (every static and dynamic relative
// import), so a new arrow that runs back up — a stage importing the CLI, the model
// importing secrets, a cycle between two stages — fails here with the file that drew it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPTS = join(import.meta.dirname, '..', '..', 'scripts');

/** Lower imports nothing above it. Equal ranks are separate stages: no arrows between them. */
const RANK: Record<string, number> = {
  core: 0,
  text: 1, files: 1,
  model: 2,
  secrets: 3,
  protocols: 4,
  render: 5, monitoring: 5,
  probe: 6,
  status: 7,
  recovery: 7.5,
  site: 8, deploy: 8,
  github: 9,
  alert: 10, publish: 10, usage: 10,
  cli: 11,
  fleet: 12, start: 12, schemas: 12,
  // Plain JavaScript entry points (they run before any TypeScript can): `npm run fleet`, `npm run build`.
  'launch.mjs': 12, 'build.mjs': 12,
};

const IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function folderOf(path: string): string {
  const parts = relative(SCRIPTS, path).split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

function edges(): { from: string; to: string; file: string }[] {
  const out: { from: string; to: string; file: string }[] = [];
  for (const e of readdirSync(SCRIPTS, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts')) continue;
    const file = join(e.parentPath, e.name);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), m[1]!));
      if (!target.startsWith(SCRIPTS)) continue;
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from !== to) out.push({ from, to, file: relative(SCRIPTS, file) });
    }
  }
  return out;
}

describe('the import graph of scripts/', () => {
  const all = edges();

  it('is drawn from every folder', () => {
    expect(all.length).toBeGreaterThan(150);
    const folders = readdirSync(SCRIPTS, { withFileTypes: true }).map((e) => e.name.replace(/\.ts$/, ''));
    expect(folders.filter((f) => RANK[f] === undefined)).toEqual([]);
  });

  it('has no arrow that runs back up the pipeline (no stage imports the CLI, the model no secrets, no cycles)', () => {
    const back = all.filter((e) => RANK[e.to]! >= RANK[e.from]!).map((e) => `${e.file} → ${e.to}/`);
    expect(back).toEqual([]);
  });
});
