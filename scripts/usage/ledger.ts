// What a node's ledger read adds to the month: the growth past the last read stored for that
// node (its cursor), never the node's totals themselves. A read stored twice, a collector
// killed before it acknowledged, or a node away for days therefore count each byte once.
// A read is hostile (a node may be compromised): it can charge only the users that node
// serves, and never more than its link could have carried since its last read.
// Pure: the collector (collect.ts) reads the nodes and writes the branch.
import type { Bytes, UsageCursor, UsageFile } from '../status/types.ts';
import type { LedgerRead } from './read.ts';
import { byText } from '../core/order.ts';

/** A rotation's previous credentials count for their user: `frank~prev` → `frank`. */
const userOf = (entry: string): string => entry.replace(/~prev$/, '');

/** What a node may be charged for, from the fleet's files. */
export interface ReadLimits {
  /** Users of the fleet: entries of anyone else are dropped, never stored. */
  known: (user: string) => boolean;
  /** Users this node serves: only their growth is charged (others' is kept in the cursor). */
  serves: (user: string) => boolean;
  /** The node's link in bytes per second, each direction. */
  linkBytesPerSec: number;
  /** When the quota period began (ISO): the window when the last cursor is dated in the future. */
  periodStart: string;
}

/** A read that claims more than the node's link carries: stored nowhere, the node skipped. */
export class ImplausibleRead extends Error {}

/** Counts never pass what the status schema (and JavaScript) hold exactly. */
const add = (a: number, b: number): number => Math.min(Number.MAX_SAFE_INTEGER, a + b);
const ZERO: Bytes = { up: 0, down: 0 };
const own = <T>(o: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(o, key) ? o[key] : undefined);

/** The last cursor stored for `node` in any month (months are YYYY-MM, so they sort). */
export function lastCursor(months: ReadonlyMap<string, UsageFile>, node: string): UsageCursor | undefined {
  for (const m of [...months.keys()].sort().reverse()) {
    const c = own(months.get(m)!.nodes, node)?.cursor;
    if (c) return c;
  }
  return undefined;
}

/** Per entry, what grew from `before` to `now` (a new ledger: all of it). */
export function growth(before: UsageCursor | undefined, now: LedgerRead): Record<string, Bytes> {
  const base = before && before.ledger === now.ledger ? before.totals : {};
  const out: Record<string, Bytes> = {};
  for (const [entry, t] of Object.entries(now.totals)) {
    const b = own(base, entry) ?? ZERO;
    // Totals on one ledger never shrink; if one seems to, nothing is counted for it.
    const d = { up: Math.max(0, t.up - b.up), down: Math.max(0, t.down - b.down) };
    if (d.up > 0 || d.down > 0) out[entry] = d;
  }
  return out;
}

/**
 * The entries worth keeping: the fleet's users', and any the node's cursor already holds (a
 * user deleted and added back counts from there, not from zero). A name the node invents is
 * dropped, so it cannot grow the store.
 */
function keptEntries(read: LedgerRead, before: UsageCursor | undefined, limits?: ReadLimits): LedgerRead {
  if (!limits) return read;
  const held = before && before.ledger === read.ledger ? before.totals : {};
  return { ...read, totals: Object.fromEntries(Object.entries(read.totals).filter(([e]) => limits.known(userOf(e)) || Object.hasOwn(held, e))) };
}

/**
 * The most a node's link carried from its last stored read to `t`. Every byte a proxy moves
 * crosses its network card twice, in from one side and out to the other, so a user's up and
 * down together never pass the link's speed. Slack for reads taken minutes after the
 * collection's time: a quarter more, and five minutes. A cursor dated after `t` (a collector
 * whose clock was ahead) is measured from the period's start instead.
 */
function linkCap(before: UsageCursor, t: string, limits: ReadLimits): { cap: number; minutes: number } {
  let seconds = (Date.parse(t) - Date.parse(before.t)) / 1000;
  if (!(seconds >= 0)) seconds = Math.max(0, (Date.parse(t) - Date.parse(limits.periodStart)) / 1000);
  return { cap: limits.linkBytesPerSec * (seconds * 1.25 + 300), minutes: Math.round(seconds / 60) };
}

function checkLink(node: string, charged: Record<string, Bytes>, before: UsageCursor, t: string, limits: ReadLimits): void {
  const { cap, minutes } = linkCap(before, t, limits);
  const sum = Object.values(charged).reduce((s, d) => add(s, add(d.up, d.down)), 0);
  if (sum <= cap) return;
  throw new ImplausibleRead(`${node} reports ${gb(sum)} GB in ${minutes} min since its last stored read, more than its link carries (${gb(cap)} GB at ${Math.round(limits.linkBytesPerSec * 8 / 1e6)} Mbit/s, up and down together): not stored. It is taken once it fits what the link could have carried since; a node that counts this much is broken or compromised: check it, or set bandwidth_mbps in nodes/${node}.yaml to its real link speed`);
}
const gb = (n: number): string => (n / 1e9).toFixed(1);

/**
 * Adds one node's read to its quota period (`period`, the label of the period `t` is in;
 * calendar months by default): its growth to the users and the node, and the read as the
 * node's cursor. Returns the bytes it added, and whether anything is to be written.
 * With `limits`: a node's first read is stored as its baseline, charging nothing; later,
 * only the users it serves are charged, and a read that claims more than the node's link
 * carried since its last stored read throws ImplausibleRead and changes nothing.
 */
export function addRead(months: Map<string, UsageFile>, node: string, raw: LedgerRead, t: string, period = t.slice(0, 7), limits?: ReadLimits): { bytes: number; changed: boolean } {
  const before = lastCursor(months, node);
  if (before && before.ledger === raw.ledger && before.seq >= raw.seq) return { bytes: 0, changed: false }; // stored already
  const read = keptEntries(raw, before, limits);
  const grew = growth(before, read);
  // Nothing grew on the same ledger: the stored cursor still measures the next read right,
  // so nothing is written (an idle fleet's hourly collection adds nothing to Git).
  if (before && before.ledger === read.ledger && Object.keys(grew).length === 0) return { bytes: 0, changed: false };
  // With limits: a node's first read is its baseline (what it counted before collection
  // began is nobody's this period, and may be a lie); after that, only the users it serves.
  const charged = !limits ? grew : !before ? {} : Object.fromEntries(Object.entries(grew).filter(([e]) => limits.serves(userOf(e))));
  if (limits && before) checkLink(node, charged, before, t, limits);
  const file = months.get(period) ?? { schema_version: 1 as const, month: period, users: {}, nodes: {} };
  let added = 0;
  const nodeRow = own(file.nodes, node) ?? { up: 0, down: 0, cursor: { t, ledger: read.ledger, seq: read.seq, totals: {} } };
  for (const [entry, d] of Object.entries(charged)) {
    const user = userOf(entry);
    const u = own(file.users, user) ?? ZERO;
    file.users[user] = { up: add(u.up, d.up), down: add(u.down, d.down) };
    nodeRow.up = add(nodeRow.up, d.up);
    nodeRow.down = add(nodeRow.down, d.down);
    added = add(added, d.up + d.down);
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
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => byText(a, b)));
}
