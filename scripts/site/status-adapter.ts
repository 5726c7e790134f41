// The part of the status store the site needs, as plain data. The store is read only
// through the probe stage's reader (scripts/status/reader.ts, which validates every file);
// this adapter copies what pages and ordering use into a structure that can be sent to
// worker threads (the reader's view is made of functions) and is fixed before rendering.
import { NO_CHOICE, type InboundChoice } from '../model/published.ts';
import { choiceFor, foldRecovery } from '../recovery/state.ts';
import { readStatus as readStore } from '../status/reader.ts';
import type { Fleet } from '../model/types.ts';
import type { UptimePoint } from './uptime.ts';

export type NodeState = 'up' | 'degraded' | 'down' | 'blocked';
const STATES: readonly string[] = ['up', 'degraded', 'down', 'blocked'];

export interface HistoryPoint { t: string; ms: number | null }

export interface NodeStatus {
  /** The reader's overall state across vantages (a node never probed has no entry). */
  state: NodeState;
  /** Where it is blocked (state blocked): only users there see it demoted. */
  blocked_in?: string[];
  since?: string;
  /** Median latency of the latest results per vantage region, where one succeeded. */
  latency: Record<string, number>;
  /** Latency per vantage region, oldest first; null marks a point where the node was not up. */
  history: Record<string, HistoryPoint[]>;
  /** Every history bucket, for uptime over 24 h / 7 d / 30 d. */
  points: UptimePoint[];
}

/** One incident event, for the status page's history. */
export interface IncidentRow { t: string; node: string; event: 'opened' | 'changed' | 'resolved'; state?: string; blocked_in: string[]; duration_ms?: number }

/** Recovery's choice per region (plain data, for worker threads): "node/tag" keys. */
export type RecoveryChoices = Record<string, { withdrawn: string[]; promoted: string[] }>;

export interface StatusView { updated?: string; nodes: Record<string, NodeStatus>; incidents: IncidentRow[]; recovery?: RecoveryChoices }

/** The history the page shows: the newest events, at most this many. */
const MAX_INCIDENT_ROWS = 50;

export function readStatus(dir: string, fleet: Pick<Fleet, 'nodes'>): StatusView {
  const store = readStore(dir);
  const nodes: Record<string, NodeStatus> = {};
  for (const node of fleet.nodes) {
    const state = store.stateOf(node.name);
    if (!STATES.includes(state)) continue;
    const latest = store.latest(node.name);
    const regions = [...new Set(Object.values(latest?.vantages ?? {}).map((v) => v.region))].sort();
    const latency: Record<string, number> = {};
    for (const r of regions) {
      const ms = store.latencyFrom(node.name, r);
      if (ms !== undefined) latency[r] = ms;
    }
    const history: Record<string, HistoryPoint[]> = {};
    const points: UptimePoint[] = [];
    for (const p of store.historySeries(node.name)) {
      (history[p.region] ??= []).push({ t: p.t, ms: p.state === 'down' || p.latency_ms === undefined ? null : p.latency_ms });
      points.push({ t: p.t, resolution: p.resolution, region: p.region, samples: p.samples, ok: p.ok_samples });
    }
    const blockedIn = store.blockedIn(node.name);
    nodes[node.name] = { state: state as NodeState, since: store.since(node.name)?.toISOString(), ...(blockedIn.length ? { blocked_in: blockedIn } : {}), latency, history, points };
  }
  const known = new Set(fleet.nodes.map((n) => n.name));
  const incidents = store.incidents().filter((e) => known.has(e.node)).slice(-MAX_INCIDENT_ROWS).reverse()
    .map((e) => ({ t: e.t, node: e.node, event: e.event, ...(e.state ? { state: e.state } : {}), blocked_in: e.blocked_in ?? [], ...(e.duration_ms !== undefined ? { duration_ms: e.duration_ms } : {}) }));
  const state = foldRecovery(store.recovery());
  const recovery: RecoveryChoices = {};
  for (const region of new Set([...state.withdrawn.keys(), ...state.promoted.keys()])) {
    const c = choiceFor(state, region);
    if (c.withdrawn.size + c.promoted.size > 0) recovery[region] = { withdrawn: [...c.withdrawn].sort(), promoted: [...c.promoted].sort() };
  }
  return { updated: store.updated?.toISOString(), nodes, incidents, recovery };
}

/** The inbounds listed for users in `region`, as recovery decided for it. */
export function regionChoice(status: StatusView | undefined, region: string | undefined): InboundChoice {
  const c = region ? status?.recovery?.[region] : undefined;
  return c ? { withdrawn: new Set(c.withdrawn), promoted: new Set(c.promoted) } : NO_CHOICE;
}
