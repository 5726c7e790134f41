// #18 item 2, pure parts: what a node's ledger read adds to the month (the growth past the
// stored cursor, never twice), and a node's answer taken as hostile.
import { describe, expect, it } from 'vitest';
import { addRead, growth, lastCursor } from '../../scripts/usage/ledger.ts';
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
