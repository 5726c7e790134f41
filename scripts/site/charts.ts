// Latency history as a tiny inline SVG, drawn at build time: one polyline per vantage,
// gaps where a probe failed. Only numbers and fixed colours go into the markup.
import type { HistoryPoint } from './status-adapter.ts';

const W = 300;
const H = 48;
// Keep in step with .v0–.v3 in site/assets/site.css, which colour the legend.
const COLOURS = ['#0b57d0', '#e8710a', '#188038', '#9334e6'];

/** Legend entries in the order and colour classes the chart uses. */
export function chartLegend(series: Record<string, HistoryPoint[]>): { name: string; cls: string }[] {
  return Object.keys(series).filter((n) => series[n].length > 0).sort().map((name, i) => ({ name, cls: `v${i % COLOURS.length}` }));
}

export function latencyChart(series: Record<string, HistoryPoint[]>, label: string): string | undefined {
  const names = Object.keys(series).filter((n) => series[n].length > 0).sort();
  if (names.length === 0) return undefined;
  const times = names.flatMap((n) => series[n].map((p) => Date.parse(p.t))).filter(Number.isFinite);
  const values = names.flatMap((n) => series[n].map((p) => p.ms)).filter((v): v is number => v !== null);
  if (times.length === 0) return undefined;
  const t0 = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - t0);
  const top = Math.max(1, ...values);
  const x = (t: number) => round(((t - t0) / span) * (W - 4) + 2);
  const y = (ms: number) => round(H - 2 - (ms / top) * (H - 4));
  const lines = names.map((name, i) => {
    const parts: string[] = [];
    let run: string[] = [];
    for (const p of series[name]) {
      const t = Date.parse(p.t);
      if (p.ms === null || !Number.isFinite(t)) { if (run.length) parts.push(run.join(' ')); run = []; continue; }
      run.push(`${x(t)},${y(p.ms)}`);
    }
    if (run.length) parts.push(run.join(' '));
    const colour = COLOURS[i % COLOURS.length];
    return parts.map((pts) => (pts.includes(' ')
      ? `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts}"/>`
      : `<circle r="1.5" fill="${colour}" cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}"/>`)).join('');
  }).join('');
  const title = escapeXml(`${label} (${names.join(', ')}; max ${Math.round(top)} ms)`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${title}"><title>${title}</title>${lines}</svg>`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
