// Uptime per vantage region over 24 h, 7 d and 30 d, as Upptime reports it but honest about
// gaps: the denominator is the runs that should have happened (window ÷ probe interval ×
// the vantages in the region), so a period without data counts as unknown, never as up. A
// failure is "blocked" when a vantage in another region reached the node at the same time
// (the node was healthy; the path from this region was not), otherwise "down".
import { byText } from '../core/order.ts';

/** One history bucket (a run, an hour or a day) of one vantage, as the status store keeps it. */
export interface UptimePoint {
  t: string;
  resolution: 'run' | 'hour' | 'day';
  region: string;
  samples: number;
  /** Runs in the bucket that reached the node through its proxy protocol. */
  ok: number;
}

/** Fractions of the runs that should have happened; they add up to 1. */
export interface Uptime { up: number; blocked: number; down: number; unknown: number }

export const WINDOWS: readonly { id: '24h' | '7d' | '30d'; ms: number }[] = [
  { id: '24h', ms: 86_400_000 }, { id: '7d', ms: 7 * 86_400_000 }, { id: '30d', ms: 30 * 86_400_000 },
];

const SPAN_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** Per region, per window. `vantages` counts the probe vantages of each region. */
export function uptimeByRegion(points: readonly UptimePoint[], now: Date, intervalMs: number, vantages: Record<string, number>): Record<string, Record<string, Uptime>> {
  const span = (p: UptimePoint) => (p.resolution === 'run' ? intervalMs : SPAN_MS[p.resolution]);
  const at = points.map((p) => ({ ...p, start: Date.parse(p.t), end: Date.parse(p.t) + span(p) })).filter((p) => Number.isFinite(p.start));
  // Failures while another region got through: blocked, not down.
  const reachedElsewhere = (p: (typeof at)[number]) => at.some((q) => q.region !== p.region && q.ok > 0 && q.start < p.end && p.start < q.end);
  const out: Record<string, Record<string, Uptime>> = {};
  for (const [region, count] of Object.entries(vantages).sort(([a], [b]) => byText(a, b))) {
    out[region] = {};
    for (const w of WINDOWS) {
      const from = now.getTime() - w.ms;
      const inWindow = at.filter((p) => p.region === region && p.start >= from && p.start <= now.getTime());
      const ok = sum(inWindow.map((p) => p.ok));
      const failed = inWindow.map((p) => ({ n: p.samples - p.ok, blocked: p.samples > p.ok && reachedElsewhere(p) }));
      const blocked = sum(failed.filter((f) => f.blocked).map((f) => f.n));
      const down = sum(failed.filter((f) => !f.blocked).map((f) => f.n));
      // More runs than the interval allows (it was shortened): they are the denominator.
      const expected = Math.max(Math.floor(w.ms / intervalMs) * count, ok + blocked + down, 1);
      out[region][w.id] = { up: ok / expected, blocked: blocked / expected, down: down / expected, unknown: (expected - ok - blocked - down) / expected };
    }
  }
  return out;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** A share as a percentage with one decimal, rounded down: 99.96 % up is not 100.0 %. */
export function percent(fraction: number): string {
  return `${(Math.floor(fraction * 1000 + 1e-9) / 10).toFixed(1)}%`;
}
