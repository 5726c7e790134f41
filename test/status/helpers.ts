// Shared by the status suites: runs as a probe writes them, signed with a vantage's key,
// and a fleet root (the demo fleet: vantages github/us and home-cn/cn) for the commands.
import { writeFileSync } from 'node:fs';
import { vantageKey } from '../../scripts/secrets/index.ts';
import { signRun } from '../../scripts/probe/signature.ts';
import type { NodeState, ProbeRun } from '../../scripts/status/types.ts';
import { demoCopy } from '../model/helpers.ts';

export { cleanCopies } from '../model/helpers.ts';

export const STATUS_SECRET = 'status-test-secret-0123456789abcdef0123456789abcdef';
/** The demo fleet's epoch. */
export const EPOCH = 1;

export const T0 = Date.parse('2026-11-26T12:00:00Z');
export const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

export function run(vantage: string, region: string, minutes: number, states: Record<string, NodeState>): ProbeRun {
  return {
    schema_version: 1, time: at(minutes).toISOString(), vantage: { name: vantage, region }, probe_url_host: 'probe.test', timeout_ms: 2000, duration_ms: 10, demo: true,
    nodes: Object.entries(states).map(([node, state]) => ({
      node, region: 'asia', maintenance: false, state,
      endpoints: [{ node, tag: 'trojan-443', type: 'trojan' as const, deepest: state === 'up' ? 'proxy' as const : 'none' as const, ok: state === 'up', ...(state === 'up' ? {} : { error: 'timeout' as const }), latency_ms: state === 'up' ? { tcp: 5, tls: 9, proxy: 20 + minutes % 7 } : {} }],
    })),
  };
}

/** The key `fleet probe vantage-key` prints for `vantage` under STATUS_SECRET. */
export const keyOf = (vantage: string): string => vantageKey(Buffer.from(STATUS_SECRET), EPOCH, vantage);

/** Writes `r` signed with the key of `signer` (default: the vantage it names); returns the path. */
export function signedRunFile(path: string, r: ProbeRun, signer = r.vantage.name): string {
  writeFileSync(path, JSON.stringify(signRun(r, keyOf(signer)), null, 2));
  return path;
}

/** A fleet root for `--root` (a copy of the demo fleet; removed by cleanCopies). */
export const statusFleet = (): string => demoCopy();
