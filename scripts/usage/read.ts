// A node's answer to `boxfleet-node usage-read`, taken as hostile: one JSON line of a known
// shape, capped, every name and number checked before anything is added to the store.
import { clipText } from '../text/escape.ts';
import type { Bytes } from '../status/types.ts';

export interface LedgerRead { ledger: string; seq: number; acked: number; totals: Record<string, Bytes> }

/** More than any node's answer for 100,000 user entries. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const ENTRY = /^[a-z0-9][a-z0-9-]{0,39}(~prev)?$/;
const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The read, or an Error that says what is wrong with it (never the whole text). */
export function parseLedgerRead(text: string): LedgerRead {
  if (text.length > MAX_READ_BYTES) throw new Error(`the node's usage read is larger than ${MAX_READ_BYTES} bytes`);
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new Error(`the node's usage read is not JSON: ${clipText(text.trim(), 80)}`); }
  const r = v as Partial<LedgerRead> | null;
  if (!r || typeof r !== 'object' || typeof r.ledger !== 'string' || !/^[0-9a-f]{16}$/.test(r.ledger)) throw new Error('the node\'s usage read names no valid ledger id');
  if (!count(r.seq) || r.seq < 1 || !count(r.acked) || r.acked > r.seq) throw new Error('the node\'s usage read has no valid sequence numbers');
  if (!r.totals || typeof r.totals !== 'object' || Array.isArray(r.totals)) throw new Error('the node\'s usage read has no totals');
  const entries = Object.entries(r.totals as Record<string, unknown>);
  if (entries.length > MAX_ENTRIES) throw new Error(`the node's usage read has more than ${MAX_ENTRIES} entries`);
  const totals: Record<string, Bytes> = {};
  for (const [name, b] of entries) {
    const p = b as Partial<Bytes> | null;
    if (!ENTRY.test(name)) throw new Error(`the node's usage read names an entry that is no user: ${clipText(JSON.stringify(name), 60)}`);
    if (!p || !count(p.up) || !count(p.down)) throw new Error(`the node's usage read has no valid byte counts for ${name}`);
    totals[name] = { up: p.up, down: p.down };
  }
  return { ledger: r.ledger, seq: r.seq, acked: r.acked, totals };
}
