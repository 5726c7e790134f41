// Shapes of the status store's files (JSON Schemas in ./schema are the contract).
import type { EndpointResult, NodeState, ProbeRun } from '../probe/types.ts';

export type { ProbeRun, EndpointResult, NodeState };

/** A node's overall state across vantages; `blocked`: failing in-region, healthy outside. */
export type OverallState = 'up' | 'degraded' | 'down' | 'blocked' | 'unknown';

export interface VantageLatest {
  region: string;
  state: NodeState;
  /** When this vantage first saw the current state. */
  since: string;
  /** Time of the run this entry comes from. */
  time: string;
  /** Path of that run file, e.g. runs/2026-11-26T12-00-00Z-github.json. */
  run: string;
  endpoints: EndpointResult[];
}

export interface NodeLatest {
  state: OverallState;
  since: string;
  /** Regions of the vantages the node is blocked from (empty unless state is blocked). */
  blocked_in: string[];
  maintenance: boolean;
  vantages: Record<string, VantageLatest>;
}

export interface LatestFile {
  schema_version: 1;
  updated: string;
  nodes: Record<string, NodeLatest>;
}

export type Resolution = 'run' | 'hour' | 'day';

export interface HistoryPoint {
  /** Start of the bucket (hour/day) or the run time. */
  t: string;
  resolution: Resolution;
  vantage: string;
  region: string;
  /** The worst state seen in the bucket. */
  state: NodeState;
  /** Runs folded into this point, and how many of them had the node up. */
  samples: number;
  ok_samples: number;
  /** Mean of the runs' median proxy (else TLS, else TCP) latency. */
  latency_ms?: number;
}

export interface HistoryFile { schema_version: 1; node: string; points: HistoryPoint[] }

/** One step of an incident, as `fleet incidents --history` recorded it when it acted. */
export interface IncidentEvent {
  t: string;
  node: string;
  event: 'opened' | 'changed' | 'resolved';
  /** The trouble (opened, changed). */
  state?: 'down' | 'blocked' | 'degraded';
  blocked_in?: string[];
  /** When the trouble began. */
  since: string;
  /** How long it lasted (resolved). */
  duration_ms?: number;
  issue?: number;
}

export interface IncidentsFile { schema_version: 1; month: string; events: IncidentEvent[] }

/**
 * One recovery decision (`fleet recovery --record`): in `region`, `inbound` of `node` left
 * the subscriptions of users there (withdraw), with `standby` promoted in its place, or came
 * back and sent `standby` back to standby (restore), or stayed although blocked (hold, with
 * the `reason`: once per block). `evidence`: the failing (withdraw, hold) or clean (restore)
 * runs from that region since `since`.
 */
export interface RecoveryEvent {
  t: string;
  region: string;
  node: string;
  action: 'withdraw' | 'restore' | 'hold';
  inbound: string;
  reason?: 'no-standby' | 'max-per-day';
  standby?: string;
  /** What the block looks like from which of the node's inbounds fail there. */
  kind?: 'address' | 'port' | 'server-name' | 'inbound';
  evidence: { since: string; runs: number; vantages: string[] };
}

export interface RecoveryFile { schema_version: 1; month: string; events: RecoveryEvent[] }

export interface Bytes { up: number; down: number }

/** The last ledger read stored for a node: the next collection counts only what grew past it. */
export interface UsageCursor { t: string; ledger: string; seq: number; totals: Record<string, Bytes> }

/** usage/<YYYY-MM>.json (`fleet usage collect`): bytes collected in the month, per user and per node. */
export interface UsageFile {
  schema_version: 1;
  month: string;
  users: Record<string, Bytes>;
  nodes: Record<string, Bytes & { cursor: UsageCursor }>;
}

/** The store's files in memory: runs by path (runs/...json), history by node, incidents, recovery and usage by month. */
export interface StatusTree {
  runs: Map<string, ProbeRun>;
  history: Map<string, HistoryFile>;
  incidents: Map<string, IncidentsFile>;
  recovery: Map<string, RecoveryFile>;
  usage: Map<string, UsageFile>;
  latest?: LatestFile;
}
