// Compaction: runs older than a day are folded into history/<node>.json and deleted; history
// keeps full detail for a day, hourly points for 30 days, daily points after that. When the
// files still exceed the size cap, the oldest daily points go first.
import { runLatency } from './derive.ts';
import type { HistoryFile, HistoryPoint, NodeState, ProbeRun, Resolution, StatusTree } from './types.ts';
import { byText } from '../core/order.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const FULL_DETAIL_MS = DAY;
export const HOURLY_MS = 30 * DAY;

const RANK: Record<NodeState, number> = { unknown: 0, up: 1, degraded: 2, down: 3 };

function pointOf(run: ProbeRun, n: ProbeRun['nodes'][number]): HistoryPoint {
  const lat = runLatency(n.endpoints);
  return {
    t: run.time, resolution: 'run', vantage: run.vantage.name, region: run.vantage.region, state: n.state,
    samples: 1, ok_samples: n.state === 'up' ? 1 : 0, ...(lat !== undefined ? { latency_ms: lat } : {}),
  };
}

/** Merges points of one vantage falling in the same bucket; the worst state wins. */
function bucket(points: HistoryPoint[], res: Resolution, size: number): HistoryPoint[] {
  const groups = new Map<string, HistoryPoint[]>();
  for (const p of points) {
    const start = new Date(Math.floor(Date.parse(p.t) / size) * size).toISOString();
    const key = `${p.vantage}|${start}`;
    groups.set(key, [...(groups.get(key) ?? []), { ...p, t: start }]);
  }
  return [...groups.values()].map((g) => {
    const samples = g.reduce((s, p) => s + p.samples, 0);
    const lats = g.filter((p) => p.latency_ms !== undefined);
    const weight = lats.reduce((s, p) => s + p.samples, 0);
    const latency = weight ? Math.round(lats.reduce((s, p) => s + p.latency_ms! * p.samples, 0) / weight) : undefined;
    return {
      t: g[0]!.t, resolution: res, vantage: g[0]!.vantage, region: g[0]!.region,
      state: g.reduce<NodeState>((w, p) => (RANK[p.state] > RANK[w] ? p.state : w), 'unknown'),
      samples, ok_samples: g.reduce((s, p) => s + p.ok_samples, 0), ...(latency !== undefined ? { latency_ms: latency } : {}),
    };
  });
}

export function downsample(points: HistoryPoint[], now: Date): HistoryPoint[] {
  const age = (p: HistoryPoint): number => now.getTime() - Date.parse(p.t);
  const recent = points.filter((p) => age(p) <= FULL_DETAIL_MS);
  const hourly = bucket(points.filter((p) => age(p) > FULL_DETAIL_MS && age(p) <= HOURLY_MS), 'hour', HOUR);
  const daily = bucket(points.filter((p) => age(p) > HOURLY_MS), 'day', DAY);
  return [...daily, ...hourly, ...recent].sort((a, b) => byText(a.t, b.t) || byText(a.vantage, b.vantage));
}

export interface CompactResult { foldedRuns: number; droppedPoints: number }

/** Mutates `tree`: old runs → history, downsampling, then the size cap. */
export function compactTree(tree: StatusTree, now: Date, maxBytes?: number): CompactResult {
  let foldedRuns = 0;
  for (const [path, run] of [...tree.runs]) {
    if (now.getTime() - Date.parse(run.time) <= FULL_DETAIL_MS) continue;
    for (const n of run.nodes) {
      const h: HistoryFile = tree.history.get(n.node) ?? { schema_version: 1, node: n.node, points: [] };
      h.points.push(pointOf(run, n));
      tree.history.set(n.node, h);
    }
    tree.runs.delete(path);
    foldedRuns++;
  }
  for (const h of tree.history.values()) h.points = downsample(h.points, now);
  let droppedPoints = 0;
  if (maxBytes !== undefined) {
    // Bounded: each pass drops one oldest point; the total number of points bounds the loop.
    const total = [...tree.history.values()].reduce((s, h) => s + h.points.length, 0);
    for (let i = 0; i < total && treeBytes(tree) > maxBytes; i++) {
      const oldest = [...tree.history.values()].filter((h) => h.points.length).sort((a, b) => byText(a.points[0]!.t, b.points[0]!.t))[0];
      if (!oldest) break;
      oldest.points.shift();
      droppedPoints++;
    }
  }
  return { foldedRuns, droppedPoints };
}

/** Bytes the tree takes as written by store.ts (pretty JSON + newline). */
export function treeBytes(tree: StatusTree): number {
  const size = (v: unknown): number => Buffer.byteLength(JSON.stringify(v, null, 2) + '\n');
  let n = tree.latest ? size(tree.latest) : 0;
  for (const r of tree.runs.values()) n += size(r);
  for (const h of tree.history.values()) n += size(h);
  return n;
}
