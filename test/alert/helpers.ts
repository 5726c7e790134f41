// Shared by the incident tests: a throwaway fleet root (the demo fleet, edited per test), a
// status store written with the status module's own writers, and `fleet` run in-process
// through the real main() with exactly the environment given.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { main } from '../../scripts/fleet.ts';
import { foldRuns, runFileName } from '../../scripts/status/derive.ts';
import { writeTree } from '../../scripts/status/store.ts';
import type { NodeState, ProbeRun, StatusTree } from '../../scripts/status/types.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const T0 = Date.parse('2026-11-26T12:00:00Z');
export const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const temps: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'boxfleet-alert-'));
  temps.push(d);
  return d;
}
export function cleanTemps(): void { for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true }); }

/** The demo fleet in a temp dir; `edit` changes fleet.yaml or nodes/<name>.yaml values by path. */
export function fleetRoot(edits: { file: string; path: (string | number)[]; value: unknown }[] = []): string {
  const root = tempDir();
  for (const f of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, f), join(root, f), { recursive: true });
  for (const e of edits) {
    const file = join(root, e.file);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(e.path, e.value);
    writeFileSync(file, doc.toString());
  }
  return root;
}

export const NODE_ADDRESS = '203.0.113.10';

/** One probe run; failing endpoints carry an address in `detail`, as a raw socket error would. */
export function probeRun(vantage: string, region: string, minutes: number, states: Record<string, NodeState>): ProbeRun {
  return {
    schema_version: 1, time: at(minutes), vantage: { name: vantage, region }, probe_url_host: 'probe.test', timeout_ms: 2000, duration_ms: 10, demo: true,
    nodes: Object.entries(states).map(([node, state]) => ({
      node, region: 'asia-east', maintenance: false, state,
      endpoints: [{
        node, tag: 'vless-ws-8443', type: 'vless-ws' as const, address: `${NODE_ADDRESS}:8443`,
        deepest: state === 'up' ? 'proxy' as const : 'none' as const, ok: state === 'up',
        ...(state === 'up' ? {} : { error: 'refused' as const, detail: `connect ECONNREFUSED ${NODE_ADDRESS}:8443 (sni tokyo-1.example.com, via cdn-tokyo.example.com:443)` }),
        latency_ms: state === 'up' ? { tcp: 5, tls: 9, proxy: 20 } : {},
      }],
    })),
  };
}

/** A status store holding `runs`, folded into latest.json the way `status push` does. */
export class Store {
  readonly dir = tempDir();
  readonly runs: ProbeRun[] = [];
  add(...runs: ProbeRun[]): this {
    this.runs.push(...runs);
    const tree: StatusTree = { runs: new Map(), history: new Map(), incidents: new Map(), recovery: new Map(), usage: new Map() };
    for (const r of this.runs) tree.runs.set(runFileName(r), r);
    const latest = foldRuns(undefined, [...tree.runs].map(([path, run]) => ({ path, run })), new Date(this.runs.at(-1)!.time));
    writeTree(this.dir, { ...tree, latest });
    return this;
  }
}

export interface Run { code: number; out: string; err: string }

export async function incidents(root: string, store: Store, minutes: number, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const argv = ['incidents', '--status', store.dir, '--root', root, '--now', at(minutes), ...extra];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, { PATH: process.env.PATH, ...env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
