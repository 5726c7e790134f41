// #18 item 2, pure parts: what a node's ledger read adds to the month (the growth past the
// stored cursor, never twice), and a node's answer taken as hostile.
import { describe, expect, it } from 'vitest';
import { addRead, growth, ImplausibleRead, lastCursor, type ReadLimits } from '../../scripts/usage/ledger.ts';
import { parseLedgerRead, type LedgerRead } from '../../scripts/usage/read.ts';
import { validateStatus } from '../../scripts/status/validate.ts';
import type { UsageFile } from '../../scripts/status/types.ts';

const L = 'aaaaaaaaaaaaaaaa';
const read = (seq: number, totals: LedgerRead['totals'], ledger = L): LedgerRead => ({ ledger, seq, acked: seq - 1, totals });

describe('the month a read adds to', () => {
  it('counts the growth past the cursor, a rotation\'s ~prev for its user, and a stored read once', () => {
    const months = new Map<string, UsageFile>();
    expect(addRead(months, 'n1', read(1, { alice: { up: 100, down: 1000 } }), '2026-12-01T00:00:00Z')).toEqual({ bytes: 1100, changed: true });
    expect(addRead(months, 'n1', read(2, { alice: { up: 150, down: 1000 }, 'alice~prev': { up: 5, down: 7 } }), '2026-12-01T01:00:00Z')).toEqual({ bytes: 62, changed: true });
    // The same read again (a retried push), an older one, or a newer one where nothing grew: nothing to write.
    expect(addRead(months, 'n1', read(2, { alice: { up: 150, down: 1000 }, 'alice~prev': { up: 5, down: 7 } }), '2026-12-01T01:00:00Z')).toEqual({ bytes: 0, changed: false });
    expect(addRead(months, 'n1', read(1, { alice: { up: 100, down: 1000 } }), '2026-12-01T02:00:00Z')).toEqual({ bytes: 0, changed: false });
    expect(addRead(months, 'n1', read(3, { alice: { up: 150, down: 1000 }, 'alice~prev': { up: 5, down: 7 } }), '2026-12-01T03:00:00Z')).toEqual({ bytes: 0, changed: false });
    const dec = months.get('2026-12')!;
    expect(dec.users).toEqual({ alice: { up: 155, down: 1007 } });
    expect(dec.nodes.n1).toMatchObject({ up: 155, down: 1007, cursor: { seq: 2, ledger: L } });
    expect(validateStatus('usage', dec, 'usage/2026-12.json')).toBe(dec);
  });

  it('carries the cursor into the next month, and counts a new ledger (a reinstalled node) in full', () => {
    const months = new Map<string, UsageFile>();
    addRead(months, 'n1', read(1, { bob: { up: 10, down: 10 } }), '2026-11-30T23:00:00Z');
    addRead(months, 'n1', read(2, { bob: { up: 30, down: 10 } }), '2026-12-01T00:10:00Z');
    expect(months.get('2026-11')!.users.bob).toEqual({ up: 10, down: 10 });
    expect(months.get('2026-12')!.users.bob).toEqual({ up: 20, down: 0 });
    expect(lastCursor(months, 'n1')!.seq).toBe(2);
    addRead(months, 'n1', read(1, { bob: { up: 4, down: 4 } }, 'bbbbbbbbbbbbbbbb'), '2026-12-02T00:00:00Z');
    expect(months.get('2026-12')!.users.bob).toEqual({ up: 24, down: 4 });
  });

  it('never counts a shrinking total', () => {
    const before = { t: '2026-12-01T00:00:00Z', ledger: L, seq: 1, totals: { alice: { up: 100, down: 100 } } };
    expect(growth(before, read(2, { alice: { up: 50, down: 150 } }))).toEqual({ alice: { up: 0, down: 50 } });
  });
});

describe('a node\'s usage read', () => {
  it('is taken when it has the shape, refused with a short reason when it has not', () => {
    expect(parseLedgerRead(JSON.stringify(read(3, { alice: { up: 1, down: 2 } })))).toEqual(read(3, { alice: { up: 1, down: 2 } }));
    const bad: [string, RegExp][] = [
      ['not json at all', /not JSON/],
      [JSON.stringify({ ...read(1, {}), ledger: '../etc' }), /ledger id/],
      [JSON.stringify({ ...read(1, {}), seq: 0 }), /sequence/],
      [JSON.stringify({ ...read(1, {}), acked: 5 }), /sequence/],
      [JSON.stringify(read(1, { 'Alice<script>': { up: 1, down: 1 } })), /no user/],
      [JSON.stringify(read(1, { alice: { up: -1, down: 1 } })), /byte counts/],
      [JSON.stringify(read(1, { alice: { up: 2 ** 60, down: 1 } })), /byte counts/],
      ['x'.repeat(16 * 1024 * 1024 + 1), /larger than/],
    ];
    for (const [text, says] of bad) expect(() => parseLedgerRead(text), text.slice(0, 40)).toThrow(says);
    const many = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`u${i}`, { up: 1, down: 1 }]));
    expect(() => parseLedgerRead(JSON.stringify(read(1, many)))).toThrow(/more than 100000 entries/);
  });
});

describe('a read from a compromised node', () => {
  // n1 serves alice and bob; carol is a user of the fleet on other nodes; mallory is nobody.
  const limits: ReadLimits = {
    known: (u) => ['alice', 'bob', 'carol'].includes(u),
    serves: (u) => ['alice', 'bob'].includes(u),
    linkBytesPerSec: 100e6 / 8, // bandwidth_mbps: 100
    periodStart: '2026-12-01T00:00:00Z',
  };
  const at = (h: number, m = 0) => `2026-12-05T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
  /** What a 100 Mbit/s link carried in an hour, up and down together, with the slack (×1.25, +5 min). */
  const HOUR = (100e6 / 8) * (3600 * 1.25 + 300);
  const first = () => {
    const months = new Map<string, UsageFile>();
    addRead(months, 'n1', read(1, { alice: { up: 1, down: 1 } }), at(1), '2026-12', limits);
    return months;
  };

  it('takes a node\'s first read as its baseline, whatever it claims: counting starts there', () => {
    const months = new Map<string, UsageFile>();
    expect(addRead(months, 'n1', read(1, { alice: { up: 0, down: 2 ** 50 } }), at(1), '2026-12', limits)).toEqual({ bytes: 0, changed: true });
    expect(months.get('2026-12')!.users).toEqual({});
    expect(addRead(months, 'n1', read(2, { alice: { up: 0, down: 2 ** 50 + 9 } }), at(2), '2026-12', limits).bytes).toBe(9);
  });

  it('charges only the users it serves, keeps other users\' totals in its cursor and drops names that are nobody\'s', () => {
    const months = first();
    addRead(months, 'n1', read(2, { alice: { up: 11, down: 11 }, carol: { up: 5e9, down: 5e9 }, mallory: { up: 1, down: 1 } }), at(2), '2026-12', limits);
    const dec = months.get('2026-12')!;
    expect(dec.users).toEqual({ alice: { up: 10, down: 10 } });
    expect(Object.keys(dec.nodes.n1!.cursor.totals).sort()).toEqual(['alice', 'carol']);
    // carol served later counts from the cursor, not from zero.
    addRead(months, 'n1', read(3, { alice: { up: 11, down: 11 }, carol: { up: 5e9 + 3, down: 5e9 } }), at(3), '2026-12', { ...limits, serves: () => true });
    expect(months.get('2026-12')!.users.carol).toEqual({ up: 3, down: 0 });
  });

  it('keeps a deleted user\'s totals in the cursor: added back, they count from there', () => {
    const months = first();
    addRead(months, 'n1', read(2, { alice: { up: 1, down: 1 }, bob: { up: 7e9, down: 7e9 } }), at(2), '2026-12', limits);
    const gone = { ...limits, known: (u: string) => u !== 'bob', serves: (u: string) => u === 'alice' };
    addRead(months, 'n1', read(3, { alice: { up: 2, down: 2 }, bob: { up: 7e9, down: 7e9 } }), at(3), '2026-12', gone);
    expect(months.get('2026-12')!.nodes.n1!.cursor.totals.bob).toEqual({ up: 7e9, down: 7e9 });
    addRead(months, 'n1', read(4, { alice: { up: 2, down: 2 }, bob: { up: 7e9 + 5, down: 7e9 } }), at(4), '2026-12', limits);
    expect(months.get('2026-12')!.users.bob).toEqual({ up: 7e9 + 5, down: 7e9 });
  });

  it('refuses more than its link carries since its last stored read, up and down together, a new ledger id included', () => {
    const months = first();
    const stored = JSON.stringify([...months]);
    // An hour later: alice and bob together, up and down together, just past an hour of the link.
    const over = { alice: { up: 1 + HOUR / 4, down: 1 + HOUR / 4 }, bob: { up: HOUR / 4, down: HOUR / 4 + 1 } };
    expect(() => addRead(months, 'n1', read(2, over), at(2), '2026-12', limits)).toThrow(ImplausibleRead);
    expect(() => addRead(months, 'n1', read(1, over, 'bbbbbbbbbbbbbbbb'), at(2), '2026-12', limits)).toThrow(/^n1 reports 60\.0 GB in 60 min since its last stored read, more than its link carries \(60\.0 GB at 100 Mbit\/s, up and down together\): not stored/);
    expect(JSON.stringify([...months])).toBe(stored);
    // Just within it: taken.
    expect(addRead(months, 'n1', read(2, { ...over, bob: { up: HOUR / 4, down: HOUR / 4 } }), at(2), '2026-12', limits).changed).toBe(true);
  });

  it('measures from the period\'s start when its cursor is dated later than now (a collector\'s clock ahead)', () => {
    const months = new Map<string, UsageFile>();
    addRead(months, 'n1', read(1, { alice: { up: 1, down: 1 } }), at(23), '2026-12', limits);
    // Two hours "earlier" by this collector's clock, two hours of traffic: not refused.
    expect(addRead(months, 'n1', read(2, { alice: { up: 1, down: 1 + 2 * HOUR } }), at(21), '2026-12', limits).changed).toBe(true);
  });

  it('never writes a count the status schema refuses: sums stop at the largest exact integer', () => {
    const months = new Map<string, UsageFile>();
    const big = Number.MAX_SAFE_INTEGER;
    addRead(months, 'n1', read(1, { alice: { up: big, down: 0 } }), at(1));
    addRead(months, 'n2', read(1, { alice: { up: big, down: 0 }, 'alice~prev': { up: big, down: 0 } }), at(1));
    const dec = months.get('2026-12')!;
    expect(dec.users.alice!.up).toBe(big);
    expect(validateStatus('usage', dec, 'usage/2026-12.json')).toBe(dec);
  });

  it('reads entries by their own name only: `constructor` is never the function every object inherits', () => {
    const before = { t: at(1), ledger: L, seq: 1, totals: {} };
    expect(growth(before, read(2, { constructor: { up: 5, down: 6 } }))).toEqual({ constructor: { up: 5, down: 6 } });
  });
});
