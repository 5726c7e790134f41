// What a node's ledger read adds to the month: the growth past the last read stored for that
// node (its cursor), never the node's totals themselves. A read stored twice, a collector
// killed before it acknowledged, or a node away for days therefore count each byte once.
// Pure: the collector (collect.ts) reads the nodes and writes the branch.
import type { Bytes, UsageCursor, UsageFile } from '../status/types.ts';
import type { LedgerRead } from './read.ts';

/** A rotation's previous credentials count for their user: `frank~prev` → `frank`. */
const userOf = (entry: string): string => entry.replace(/~prev$/, '');

/** The last cursor stored for `node` in any month (months are YYYY-MM, so they sort). */
export function lastCursor(months: ReadonlyMap<string, UsageFile>, node: string): UsageCursor | undefined {
  for (const m of [...months.keys()].sort().reverse()) {
    const c = months.get(m)!.nodes[node]?.cursor;
    if (c) return c;
  }
  return undefined;
}

/** Per entry, what grew from `before` to `now` (a new ledger: all of it). */
export function growth(before: UsageCursor | undefined, now: LedgerRead): Record<string, Bytes> {
  const base = before && before.ledger === now.ledger ? before.totals : {};
  const out: Record<string, Bytes> = {};
  for (const [entry, t] of Object.entries(now.totals)) {
    const b = base[entry] ?? { up: 0, down: 0 };
    // Totals on one ledger never shrink; if one seems to, nothing is counted for it.
    const d = { up: Math.max(0, t.up - b.up), down: Math.max(0, t.down - b.down) };
    if (d.up > 0 || d.down > 0) out[entry] = d;
  }
  return out;
}

/**
 * Adds one node's read to its quota period (`period`, the label of the period `t` is in;
 * calendar months by default): its growth to the users and the node, and the read as the
 * node's cursor. Returns the bytes it added, and whether anything is to be written.
 */
export function addRead(months: Map<string, UsageFile>, node: string, read: LedgerRead, t: string, period = t.slice(0, 7)): { bytes: number; changed: boolean } {
  const before = lastCursor(months, node);
  if (before && before.ledger === read.ledger && before.seq >= read.seq) return { bytes: 0, changed: false }; // stored already
  const grew = growth(before, read);
  // Nothing grew on the same ledger: the stored cursor still measures the next read right,
  // so nothing is written (an idle fleet's hourly collection adds nothing to Git).
  if (before && before.ledger === read.ledger && Object.keys(grew).length === 0) return { bytes: 0, changed: false };
  const file = months.get(period) ?? { schema_version: 1 as const, month: period, users: {}, nodes: {} };
  let added = 0;
  const nodeRow = file.nodes[node] ?? { up: 0, down: 0, cursor: { t, ledger: read.ledger, seq: read.seq, totals: {} } };
  for (const [entry, d] of Object.entries(grew)) {
    const user = userOf(entry);
    const u = file.users[user] ?? { up: 0, down: 0 };
    file.users[user] = { up: u.up + d.up, down: u.down + d.down };
    nodeRow.up += d.up;
    nodeRow.down += d.down;
    added += d.up + d.down;
  }
  nodeRow.cursor = { t, ledger: read.ledger, seq: read.seq, totals: read.totals };
  file.nodes[node] = nodeRow;
  file.users = sortKeys(file.users);
  file.nodes = sortKeys(file.nodes);
  months.set(period, file);
  return { bytes: added, changed: true };
}

/** Same content, same bytes: keys in order. */
function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
