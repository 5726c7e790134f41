// When did the node's current trouble begin? latest.json's `since` is when the current
// overall state began, so a node that goes down → degraded → down restarts its clock at
// every change and would never reach open_after although it never recovered. Here the
// history is replayed vantage by vantage (the same fold latest.json uses), and only an
// "up" round ends a stretch of trouble; "unknown" (no fresh results) neither ends nor
// starts one.
import { overall } from '../status/derive.ts';
import type { StatusView, VantageLatest } from '../status/reader.ts';

const TROUBLE = new Set(['down', 'blocked', 'degraded']);

export interface Trouble {
  /** Start of the uninterrupted stretch of trouble that is still going on. */
  since: Date;
  /** Distinct probe times inside it (two vantages reporting at one time count once). */
  runs: number;
}

/** The current stretch of trouble, or undefined when the node is not in trouble now. */
export function currentTrouble(view: StatusView, node: string): Trouble | undefined {
  if (!TROUBLE.has(view.stateOf(node))) return undefined;
  const points = view.historySeries(node);
  const seen: Record<string, VantageLatest> = {};
  let start: string | undefined;
  const times: string[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    seen[p.vantage] = { region: p.region, state: p.state, since: p.t, time: p.t, run: '', endpoints: [] };
    if (points[i + 1]?.t === p.t) continue; // fold every vantage of one time before judging it
    const { state } = overall(seen);
    if (state === 'up') { start = undefined; times.length = 0; }
    else if (TROUBLE.has(state)) { start ??= p.t; times.push(p.t); }
  }
  if (start !== undefined) return { since: new Date(start), runs: times.length };
  // No history to replay (a store holding only latest.json): latest.json's since is all we know.
  const since = view.since(node);
  return since ? { since, runs: new Set(points.filter((p) => Date.parse(p.t) >= since.getTime()).map((p) => p.t)).size } : undefined;
}
