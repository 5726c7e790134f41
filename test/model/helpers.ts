// Shared by the model tests: a throw-away copy of the demo fleet and an in-process run of
// `fleet` with its output captured (the same main() the npm script calls).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../scripts/fleet.ts';

export const REPO = resolve(import.meta.dirname, '../..');
/** Every test pins the clock; nothing depends on the wall clock. */
export const NOW = '2026-11-26T12:00:00Z';

const made: string[] = [];

/** A temporary copy of fleet.yaml, nodes/ and users/ of the demo fleet. */
export function demoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-model-'));
  for (const part of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
  made.push(dir);
  return dir;
}

export function cleanCopies(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Run { code: number; out: string; err: string; all: string }

/** Runs `fleet <argv...>` in-process; --root and --now are added unless given. */
export async function fleet(root: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const extra = [...(argv.includes('--root') ? [] : ['--root', root]), ...(argv.includes('--now') ? [] : ['--now', NOW])];
  const code = await main([...argv, ...extra], { out: (t) => out.push(t), err: (t) => err.push(t) }, { ...env });
  const o = out.join('\n');
  const e = err.join('\n');
  return { code, out: o, err: e, all: `${o}\n${e}` };
}
