// The fleet dashboard, typed with @grafana/schema's Dashboard so `tsc --noEmit` rejects a
// misspelt field. Queries are plain PromQL over the node_exporter, blackbox and
// boxfleet-metrics series; `$region` and `$node` are the dashboard's variables.
import type { Dashboard, Panel, RowPanel } from '@grafana/schema';
import { DATASOURCE_UID } from './grafana.ts';
import { LIMIT_METRIC } from './rules.ts';

const ds = { type: 'prometheus', uid: DATASOURCE_UID };
const SEL = 'node=~"$node"';

interface Query { expr: string; legend: string; instant?: boolean }

function q(expr: string, legend: string, instant = false): Query {
  return { expr, legend, instant };
}

let nextId = 1;
function panel(type: string, title: string, unit: string, w: number, h: number, x: number, y: number, queries: Query[], description?: string): Panel {
  return {
    id: nextId++, type, title, datasource: ds, gridPos: { w, h, x, y },
    ...(description ? { description } : {}),
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: queries.map((x, i) => ({
      refId: String.fromCharCode(65 + i), datasource: ds, expr: x.expr, legendFormat: x.legend,
      ...(x.instant ? { instant: true, range: false, format: 'table' } : {}),
    })),
  };
}

function row(title: string, y: number): RowPanel {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { w: 24, h: 1, x: 0, y }, panels: [] };
}

function variable(name: string, label: string, query: string) {
  return {
    name, label, type: 'query' as const, datasource: ds, query, refresh: 2 as const,
    includeAll: true, multi: true, allValue: '.*', sort: 1,
    current: { text: 'All', value: '$__all' },
  };
}

export function fleetDashboard(fleetName: string) {
  nextId = 1;
  const bw = `sum by (node, direction) (rate(boxfleet_inbound_bytes_total{${SEL}}[5m])) * 8`;
  return {
    uid: 'boxfleet-fleet',
    title: `boxfleet — ${fleetName}`,
    tags: ['boxfleet'],
    editable: false,
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'utc',
    templating: {
      list: [
        variable('region', 'Region', 'label_values(up{job="node"}, region)'),
        variable('node', 'Node', 'label_values(up{job="node", region=~"$region"}, node)'),
      ],
    },
    panels: [
      row('Health', 0),
      panel('stat', 'sing-box up', 'none', 8, 5, 0, 1, [q(`boxfleet_singbox_up{${SEL}}`, '{{node}}')]),
      panel('table', 'sing-box version', 'none', 8, 5, 8, 1, [q(`boxfleet_singbox_version_info{${SEL}}`, '{{node}} {{version}}', true)]),
      panel('stat', 'Config drift', 'none', 8, 5, 16, 1, [q(`boxfleet_config_drift{${SEL}}`, '{{node}}')], '1 = the live config differs from the last healthy deploy'),
      panel('timeseries', 'Probe success', 'percentunit', 12, 8, 0, 6, [q(`avg by (node, inbound) (probe_success{${SEL}})`, '{{node}} {{inbound}}')]),
      panel('timeseries', 'Probe latency', 's', 12, 8, 12, 6, [q(`probe_duration_seconds{${SEL}}`, '{{node}} {{inbound}}')]),
      row('Traffic', 14),
      panel('timeseries', 'Bandwidth per node against its limit', 'bps', 24, 9, 0, 15, [
        q(bw, '{{node}} {{direction}}'),
        q(`${LIMIT_METRIC}{${SEL}}`, '{{node}} limit'),
      ], 'Proxy traffic on the inbound ports (nftables counters) and bandwidth_mbps from the node file'),
      panel('timeseries', 'Connections per node and inbound', 'none', 24, 8, 0, 24, [q(`sum by (node, inbound) (boxfleet_inbound_connections{${SEL}})`, '{{node}} {{inbound}}')]),
      row('System', 32),
      panel('timeseries', 'CPU', 'percent', 12, 8, 0, 33, [q(`100 * (1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle", ${SEL}}[5m])))`, '{{node}}')]),
      panel('timeseries', 'Memory', 'percent', 12, 8, 12, 33, [q(`100 * (1 - node_memory_MemAvailable_bytes{${SEL}} / node_memory_MemTotal_bytes{${SEL}})`, '{{node}}')]),
      row('Regions', 41),
      panel('timeseries', 'Bandwidth per region', 'bps', 8, 8, 0, 42, [q('sum by (region, direction) (rate(boxfleet_inbound_bytes_total{region=~"$region"}[5m])) * 8', '{{region}} {{direction}}')]),
      panel('timeseries', 'Connections per region', 'none', 8, 8, 8, 42, [q('sum by (region) (boxfleet_inbound_connections{region=~"$region"})', '{{region}}')]),
      panel('timeseries', 'Nodes up per region', 'none', 8, 8, 16, 42, [q('sum by (region) (up{job="node", region=~"$region"})', '{{region}}')]),
      row('Users', 50),
      panel('table', 'Top users, last 24 h', 'bytes', 24, 8, 0, 51, [q(`topk(10, sum by (user) (increase(boxfleet_user_bytes_total{${SEL}}[24h])))`, '{{user}}', true)],
        'Bytes per user through the selected nodes; needs monitoring.per_user_metrics and the stats build'),
    ],
  } satisfies Dashboard;
}

/** Every PromQL expression of the dashboard (panels and variables), for the tests. */
export function dashboardExpressions(d: ReturnType<typeof fleetDashboard>): string[] {
  const out: string[] = [];
  for (const p of d.panels) if ('targets' in p && p.targets) for (const t of p.targets) out.push(String(t.expr));
  for (const v of d.templating.list) out.push(v.query.replace(/^label_values\((.*), \w+\)$/, '$1'));
  return out;
}
