// Response time as a static SVG drawn at build time (no script needed to read it): one
// line per vantage region, gaps where the node was not up, a millisecond scale on the left
// and UTC times below. Only numbers, fixed colours and escaped labels go into the markup.
import type { HistoryPoint } from './status-adapter.ts';

const W = 320;
const H = 140;
const PLOT = { left: 44, right: W - 8, top: 8, bottom: H - 22 };
// Keep in step with .v0–.v3 in site/assets/site.css, which colour the legend.
const COLOURS = ['#0b57d0', '#e8710a', '#188038', '#9334e6'];

/** Series with at least one point, in the order (and colour classes) the chart uses. */
function seriesNames(series: Record<string, HistoryPoint[]>): string[] {
  return Object.keys(series).filter((n) => series[n]!.length > 0).sort();
}

/** Legend entries: the series' titles in the chart's colours. */
export function chartLegend(series: Record<string, HistoryPoint[]>, title: (name: string) => string): { name: string; cls: string }[] {
  return seriesNames(series).map((name, i) => ({ name: title(name), cls: `v${i % COLOURS.length}` }));
}

export function latencyChart(series: Record<string, HistoryPoint[]>, label: string, title: (name: string) => string): string | undefined {
  const names = seriesNames(series);
  const times = names.flatMap((n) => series[n]!.map((p) => Date.parse(p.t))).filter(Number.isFinite);
  if (times.length === 0) return undefined;
  const values = names.flatMap((n) => series[n]!.map((p) => p.ms)).filter((v): v is number => v !== null);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const span = Math.max(1, t1 - t0);
  const top = niceCeiling(Math.max(1, ...values));
  const x = (t: number) => round(PLOT.left + ((t - t0) / span) * (PLOT.right - PLOT.left));
  const y = (ms: number) => round(PLOT.bottom - (ms / top) * (PLOT.bottom - PLOT.top));
  const axes = [
    `<path d="M${PLOT.left} ${PLOT.top}V${PLOT.bottom}H${PLOT.right}" fill="none" stroke="#9aa1ab" stroke-width="1"/>`,
    ...[0, top / 2, top].map((v) => `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6ea" stroke-width="1"/>` +
      `<text x="${PLOT.left - 4}" y="${y(v) + 3}" text-anchor="end">${Math.round(v)} ms</text>`),
    ...[[t0, 'start'], [t0 + span / 2, 'middle'], [t1, 'end']].map(([t, anchor]) =>
      `<text x="${x(t as number)}" y="${H - 6}" text-anchor="${anchor}">${timeLabel(t as number)}</text>`),
  ];
  const lines = names.map((name, i) => {
    const colour = COLOURS[i % COLOURS.length];
    return runsOf(series[name]!).map((pts) => (pts.length > 1
      ? `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map(([t, ms]) => `${x(t)},${y(ms)}`).join(' ')}"/>`
      : `<circle r="1.5" fill="${colour}" cx="${x(pts[0]![0])}" cy="${y(pts[0]![1])}"/>`)).join('');
  });
  const caption = escapeXml(`${label} (${names.map(title).join(', ')}; ${timeLabel(t0)} – ${timeLabel(t1)} UTC; up to ${Math.round(top)} ms)`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${caption}" font-size="9" fill="#555e6b"><title>${caption}</title>${axes.join('')}${lines.join('')}</svg>`;
}

/** Unbroken stretches of [time, ms]; a point without latency ends one. */
function runsOf(points: HistoryPoint[]): [number, number][][] {
  const out: [number, number][][] = [];
  let run: [number, number][] = [];
  for (const p of points) {
    const t = Date.parse(p.t);
    if (p.ms === null || !Number.isFinite(t)) { if (run.length) out.push(run); run = []; continue; }
    run.push([t, p.ms]);
  }
  if (run.length) out.push(run);
  return out;
}

/** The next of 1, 2, 5 × 10ⁿ at or above v: a scale a reader can take in at a glance. */
function niceCeiling(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * step).find((s) => s >= v)!;
}

/** "11-26 08:00", in UTC (the caption says so). */
function timeLabel(t: number): string {
  return new Date(t).toISOString().slice(5, 16).replace('T', ' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
