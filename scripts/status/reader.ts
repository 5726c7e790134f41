// THE reader of the status store: the site, incidents and workflows read probe results only
// through readStatus(), so the file layout can change in one place. Every file is validated
// against its schema on read; a bad file is a StatusFileError naming file and field.
import { runLatency } from './derive.ts';
import { readTree } from './store.ts';
import type { HistoryPoint, IncidentEvent, NodeLatest, OverallState, ProbeRun, RecoveryEvent, StatusTree, VantageLatest } from './types.ts';
import { byText } from '../core/order.ts';

export { StatusFileError } from './validate.ts';
export type { HistoryPoint, IncidentEvent, NodeLatest, OverallState, ProbeRun, RecoveryEvent, VantageLatest };

export interface StatusView {
  /** When latest.json was last updated; undefined for an empty store. */
  readonly updated: Date | undefined;
  /** Every node that has a latest entry, sorted. */
  nodes(): string[];
  /** The node's latest entry: overall state, since, blocked_in, per-vantage results. */
  latest(node: string): NodeLatest | undefined;
  /** Overall state across vantages ('unknown' for a node never probed). */
  stateOf(node: string): OverallState;
  /** When the current overall state began. */
  since(node: string): Date | undefined;
  /** Regions the node is blocked in (empty unless stateOf is 'blocked'). */
  blockedIn(node: string): string[];
  /** The latest result from one vantage, by name. */
  vantage(node: string, vantage: string): VantageLatest | undefined;
  /** Median latency (ms) of the node's latest results from vantages in `region`; undefined when none succeeded. */
  latencyFrom(node: string, vantageRegion: string): number | undefined;
  /** Compacted history plus the full-detail points of runs still in runs/, oldest first. */
  historySeries(node: string): HistoryPoint[];
  /** Incident events recorded by `fleet incidents --history`, oldest first. */
  incidents(): IncidentEvent[];
  /** Runs at or after `t`, oldest first (only the last day's runs are kept in full). */
  runsSince(t: Date): ProbeRun[];
  /** Recovery decisions recorded by `fleet recovery --record`, oldest first. */
  recovery(): RecoveryEvent[];
}

export function readStatus(dir: string): StatusView {
  return viewOf(readTree(dir));
}

export function viewOf(tree: StatusTree): StatusView {
  const nodes = tree.latest?.nodes ?? {};
  const runs = [...tree.runs.values()].sort((a, b) => byText(a.time, b.time));
  return {
    updated: tree.latest ? new Date(tree.latest.updated) : undefined,
    nodes: () => Object.keys(nodes).sort(),
    latest: (node) => nodes[node],
    stateOf: (node) => nodes[node]?.state ?? 'unknown',
    since: (node) => (nodes[node] ? new Date(nodes[node]!.since) : undefined),
    blockedIn: (node) => [...(nodes[node]?.blocked_in ?? [])],
    vantage: (node, v) => nodes[node]?.vantages[v],
    latencyFrom(node, region) {
      const eps = Object.values(nodes[node]?.vantages ?? {}).filter((v) => v.region === region).flatMap((v) => v.endpoints);
      return runLatency(eps);
    },
    historySeries(node) {
      const fromRuns: HistoryPoint[] = runs.flatMap((r) => r.nodes.filter((n) => n.node === node).map((n) => {
        const lat = runLatency(n.endpoints);
        return { t: r.time, resolution: 'run' as const, vantage: r.vantage.name, region: r.vantage.region, state: n.state, samples: 1, ok_samples: n.state === 'up' ? 1 : 0, ...(lat !== undefined ? { latency_ms: lat } : {}) };
      }));
      return [...(tree.history.get(node)?.points ?? []), ...fromRuns].sort((a, b) => byText(a.t, b.t) || byText(a.vantage, b.vantage));
    },
    incidents: () => [...tree.incidents.keys()].sort().flatMap((m) => tree.incidents.get(m)!.events),
    runsSince: (t) => runs.filter((r) => Date.parse(r.time) >= t.getTime()),
    recovery: () => [...tree.recovery.keys()].sort().flatMap((m) => tree.recovery.get(m)!.events),
  };
}
