// Shared by the workflow tests: the workflows as parsed YAML, an in-process `fleet` run
// (the real main(), registry and exit codes) with the environment a workflow step gets,
// and temp directories that are removed after each file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { main } from '../../scripts/fleet.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const WORKFLOWS = join(REPO, '.github/workflows');
/** Every test pins the clock. */
export const NOW = '2026-11-26T12:00:00Z';

export interface Step { name?: string; id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> }
export interface Job {
  'runs-on': unknown; 'timeout-minutes'?: number; permissions?: Record<string, string> | string;
  environment?: unknown; env?: Record<string, string>; steps: Step[]; needs?: string | string[]; if?: string;
  strategy?: { matrix?: unknown };
}
export interface Workflow {
  file: string; text: string;
  name: string; on: Record<string, unknown>; permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean }; env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export function workflows(): Workflow[] {
  return readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort().map((file) => {
    const text = readFileSync(join(WORKFLOWS, file), 'utf8');
    return { file, text, ...(parse(text) as Omit<Workflow, 'file' | 'text'>) };
  });
}

export function workflow(file: string): Workflow {
  const w = workflows().find((x) => x.file === file);
  if (!w) throw new Error(`no workflow ${file}`);
  return w;
}

const temps: string[] = [];
export function tempDir(prefix = 'boxfleet-wf-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
export function cleanTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Run { code: number; out: string; err: string }

/** `fleet <argv…>` in-process with exactly `env` (nothing inherited), --now pinned. */
export async function fleet(argv: string[], env: NodeJS.ProcessEnv, root = REPO): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const extra = [...(argv.includes('--root') ? [] : ['--root', root]), ...(argv.includes('--now') ? [] : ['--now', NOW])];
  const code = await main([...argv, ...extra], { out: (t) => out.push(t), err: (t) => err.push(t) }, { PATH: process.env.PATH, ...env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
