// The public status page, point by point with Upptime's: per node its state, uptime per
// vantage region over 24 h / 7 d / 30 d (gaps are unknown, blocked apart from down), a
// response-time chart with its scales, and "data as of" that a small script marks stale
// when the reader's clock is more than three probe intervals past it. Region titles come
// from fleet.yaml; no address, port or protocol unless alerts.show_addresses.
import { regionTitle } from '../model/regions.ts';
import { durationSeconds } from '../model/time.ts';
import { PROTOCOL_NAMES } from '../render/endpoint.ts';
import { chartLegend, latencyChart } from './charts.ts';
import type { Health } from './health-order.ts';
import { layout, timeText, userLang, type PageCommon } from './pages.ts';
import type { IncidentRow, NodeStatus, StatusView } from './status-adapter.ts';
import { fill, pageFiles, type Lang, type Strings } from './templates.ts';
import { percent, uptimeByRegion, WINDOWS, type Uptime } from './uptime.ts';

export function statusPages(c: PageCommon & { now: Date }, status?: StatusView): [string, string][] {
  const def = userLang(c.fleet);
  const settings = c.fleet.settings;
  const show = settings.alerts.show_addresses;
  const intervalMs = durationSeconds(settings.probe.interval) * 1000;
  const vantages: Record<string, number> = {};
  for (const v of settings.probe.vantages) vantages[v.region] = (vantages[v.region] ?? 0) + 1;
  return pageFiles(def, (lang) => {
    const base = layout(c, lang, def, '../assets/', c.tpl.strings[lang].statusTitle);
    const t = base.t;
    const title = (region: string) => regionTitle(settings, region, lang);
    const nodes = c.fleet.nodes.filter((n) => n.enabled).map((n) => {
      const s = status?.nodes[n.name];
      const health: Health = s?.state ?? 'unknown';
      return {
        title: n.title, region: title(n.region), state: health, stateText: t.state[health],
        since: s?.since ? fill(t.since, { time: timeText(s.since) }) : '',
        address: show ? n.address : '', protocols: show ? n.inbounds.map((i) => `${PROTOCOL_NAMES[i.type]} ${i.public_port ?? i.port}`).join(', ') : '',
        uptime: uptimeRows(s, c.now, intervalMs, vantages, t, title),
        chart: (s && latencyChart(s.history, `${t.historyAlt}: ${n.title}`, title)) ?? '',
        legend: s ? chartLegend(s.history, title) : [],
      };
    });
    const nodeTitle = new Map(c.fleet.nodes.map((n) => [n.name, n.title]));
    const incidents = (status?.incidents ?? []).map((e) => ({ time: timeText(e.t), node: nodeTitle.get(e.node) ?? e.node, what: incidentText(e, t, title) }));
    return c.tpl.render('status', {
      ...base, nodes, incidents, windows: WINDOWS.map((w) => t.windows[w.id]),
      asOf: status?.updated ? fill(t.statusAsOf, { time: timeText(status.updated) }) : t.statusNone,
      updated: status?.updated ?? '',
      // Stale once three scheduled runs are missing (the script compares with the reader's clock).
      staleAfterMs: 3 * intervalMs,
    });
  });
}

/** "Began: blocked in Mainland China", "Resolved after 2 h 5 min". */
function incidentText(e: IncidentRow, t: Strings, title: (r: string) => string): string {
  if (e.event === 'resolved') return fill(t.incidentEvent.resolved, { duration: durationText(e.duration_ms ?? 0, t) });
  const what = e.state === 'blocked' && e.blocked_in.length ? fill(t.blockedIn, { regions: e.blocked_in.map(title).join(', ') }) : t.state[e.state ?? 'down'];
  return fill(t.incidentEvent[e.event], { what });
}

function durationText(ms: number, t: Strings): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  const [d, h, m] = [Math.floor(min / 1440), Math.floor((min % 1440) / 60), min % 60];
  const parts = [d ? fill(t.duration.d, { n: d }) : '', h ? fill(t.duration.h, { n: h }) : '', !d && m ? fill(t.duration.min, { n: m }) : ''];
  return parts.filter(Boolean).join(' ');
}

function uptimeRows(s: NodeStatus | undefined, now: Date, intervalMs: number, vantages: Record<string, number>, t: Strings, title: (r: string) => string) {
  const byRegion = uptimeByRegion(s?.points ?? [], now, intervalMs, vantages);
  return Object.entries(byRegion).map(([region, windows]) => ({
    region: title(region),
    cells: WINDOWS.map((w) => cell(windows[w.id]!, t)),
  }));
}

/** "99.5%" with what the rest was: blocked, down, no data. No data at all is "no data", never up. */
function cell(u: Uptime, t: Strings): { text: string; cls: string; rest: string } {
  if (u.unknown >= 1) return { text: t.noData, cls: 'unknown', rest: '' };
  const rest = (['blocked', 'down', 'unknown'] as const).filter((k) => u[k] > 0).map((k) => `${percent(u[k])} ${t.uptimeRest[k]}`).join(' · ');
  const cls = u.down > 0 ? 'down' : u.blocked > 0 ? 'blocked' : u.unknown > 0 ? 'partial' : 'up';
  return { text: percent(u.up), cls, rest };
}

