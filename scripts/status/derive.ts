// latest.json from runs: per node and vantage the newest result and since when its state
// holds, then the node's overall state across vantages, including "blocked in <region>".
// Pure: the same runs folded in any order give the same latest.json (late uploads from a
// slow vantage do not overwrite newer results).
import type { LatestFile, NodeLatest, OverallState, ProbeRun, VantageLatest } from './types.ts';
import { byText } from '../core/order.ts';

/** runs/<UTC time, colons as dashes>-<vantage>.json: sortable, and legal on every file system. */
export function runFileName(run: ProbeRun): string {
  const t = new Date(run.time).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `runs/${t}-${run.vantage.name}.json`;
}

/** Results older than this (relative to the newest one) no longer decide the overall state. */
export const STALE_MS = 24 * 3600_000;

export function emptyLatest(now: Date): LatestFile {
  return { schema_version: 1, updated: now.toISOString(), nodes: {} };
}

/** Folds runs (any order) into a copy of `prev`; `now` stamps `updated`. */
export function foldRuns(prev: LatestFile | undefined, runs: { path: string; run: ProbeRun }[], now: Date): LatestFile {
  const next: LatestFile = prev ? structuredClone(prev) : emptyLatest(now);
  const sorted = [...runs].sort((a, b) => Date.parse(a.run.time) - Date.parse(b.run.time) || byText(a.path, b.path));
  for (const { path, run } of sorted) {
    for (const n of run.nodes) {
      const node: NodeLatest = next.nodes[n.node] ??= { state: 'unknown', since: run.time, blocked_in: [], maintenance: n.maintenance, vantages: {} };
      const old = node.vantages[run.vantage.name];
      if (old && Date.parse(old.time) > Date.parse(run.time)) continue; // a late upload
      const entry: VantageLatest = {
        region: run.vantage.region, state: n.state,
        since: old && old.state === n.state ? old.since : run.time,
        time: run.time, run: path, endpoints: n.endpoints,
      };
      node.vantages[run.vantage.name] = entry;
      node.maintenance = n.maintenance;
      const { state, blocked_in } = overall(node.vantages);
      if (state !== node.state || blocked_in.join() !== node.blocked_in.join()) node.since = run.time;
      node.state = state;
      node.blocked_in = blocked_in;
    }
  }
  next.updated = now.toISOString();
  return next;
}

/**
 * Overall state from fresh vantage results. Blocked: some vantages see the node down, others
 * see it up, and no healthy vantage shares a region with a failing one (so the failure is
 * the region's network, not the node). Down and up from the same region is "degraded".
 */
export function overall(vantages: Record<string, VantageLatest>): { state: OverallState; blocked_in: string[] } {
  const all = Object.values(vantages);
  const newest = Math.max(...all.map((v) => Date.parse(v.time)));
  const fresh = all.filter((v) => newest - Date.parse(v.time) <= STALE_MS && v.state !== 'unknown');
  if (fresh.length === 0) return { state: 'unknown', blocked_in: [] };
  const failing = fresh.filter((v) => v.state === 'down');
  const healthy = fresh.filter((v) => v.state === 'up');
  if (failing.length === fresh.length) return { state: 'down', blocked_in: [] };
  if (healthy.length === fresh.length) return { state: 'up', blocked_in: [] };
  const healthyRegions = new Set(healthy.map((v) => v.region));
  if (failing.length && healthy.length && failing.every((v) => !healthyRegions.has(v.region))) {
    return { state: 'blocked', blocked_in: [...new Set(failing.map((v) => v.region))].sort() };
  }
  return { state: 'degraded', blocked_in: [] };
}

/** Median of the endpoints' deepest latency (proxy, else TLS, else TCP), for history and the site. */
export function runLatency(endpoints: { latency_ms: { tcp?: number; tls?: number; proxy?: number }; ok: boolean }[]): number | undefined {
  const xs = endpoints.filter((e) => e.ok).map((e) => e.latency_ms.proxy ?? e.latency_ms.tls ?? e.latency_ms.tcp).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  return xs[Math.floor(xs.length / 2)];
}
