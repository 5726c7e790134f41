// Uptime as the status page reports it (#15): the denominator is the runs that should have
// happened, gaps are unknown (never up), and a failure while another region got through is
// blocked, not down.
import { describe, expect, it } from 'vitest';
import { percent, uptimeByRegion, type UptimePoint } from '../../scripts/site/uptime.ts';

const NOW = new Date('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const INTERVAL = 15 * 60_000; // 4 runs an hour per vantage
/** Hourly buckets for the last `hours` hours of one region: 4 runs each, `ok(h)` of them up. */
const hours = (region: string, n: number, ok: (h: number) => number): UptimePoint[] =>
  Array.from({ length: n }, (_, h) => ({ t: new Date(NOW.getTime() - (h + 1) * HOUR).toISOString(), resolution: 'hour' as const, region, samples: 4, ok: ok(h) }));

describe('uptime', () => {
  it('a full day of successful runs is 100% over 24 h, and mostly unknown over 7 and 30 days', () => {
    const u = uptimeByRegion(hours('us', 24, () => 4), NOW, INTERVAL, { us: 1 }).us!;
    expect(u['24h']).toEqual({ up: 1, blocked: 0, down: 0, unknown: 0 });
    expect(percent(u['7d']!.up)).toBe('14.2%');
    expect(percent(u['7d']!.unknown)).toBe('85.7%');
    expect(u['30d']!.unknown).toBeGreaterThan(0.96);
  });

  it('a period without data is unknown, never up', () => {
    // Only the last 12 hours were probed.
    const u = uptimeByRegion(hours('us', 12, () => 4), NOW, INTERVAL, { us: 1 }).us!['24h']!;
    expect(u.up).toBe(0.5);
    expect(u.unknown).toBe(0.5);
    // A region with a vantage but no runs at all has no data, not 100%.
    expect(uptimeByRegion([], NOW, INTERVAL, { cn: 1 }).cn!['24h']).toEqual({ up: 0, blocked: 0, down: 0, unknown: 1 });
  });

  it('failures while another region got through are blocked; failures everywhere are down', () => {
    // Hours 0–5: cn fails while us is up (blocked). Hours 6–7: both fail (down).
    const us = hours('us', 24, (h) => (h === 6 || h === 7 ? 0 : 4));
    const cn = hours('cn', 24, (h) => (h < 8 ? 0 : 4));
    const u = uptimeByRegion([...us, ...cn], NOW, INTERVAL, { us: 1, cn: 1 });
    expect(u.cn!['24h']).toEqual({ up: 16 / 24, blocked: 6 / 24, down: 2 / 24, unknown: 0 });
    expect(u.us!['24h']).toEqual({ up: 22 / 24, blocked: 0, down: 2 / 24, unknown: 0 });
  });

  it('two vantages in a region double what should have happened; extra runs raise the denominator', () => {
    expect(uptimeByRegion(hours('cn', 24, () => 4), NOW, INTERVAL, { cn: 2 }).cn!['24h']!.up).toBe(0.5);
    // The interval was shortened to 5 minutes for a while: 12 runs in some hours.
    const busy = hours('us', 24, () => 4).map((p, i) => (i < 2 ? { ...p, samples: 12, ok: 12 } : p));
    const u = uptimeByRegion(busy, NOW, INTERVAL, { us: 1 }).us!['24h']!;
    expect(u.up).toBe(1);
  });

  it('rounds down: 99.96% up is 99.9%, not 100.0%', () => {
    expect(percent(0.9996)).toBe('99.9%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(0)).toBe('0.0%');
  });
});
