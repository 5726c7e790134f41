// Builds a `promtool test rules` file from the generated alert list: for every alert a
// case that must fire (with exact labels and expanded texts) next to series that must
// not. Texts are expanded here with the same few template forms the rules use, so a
// changed annotation or a label that leaks into the text fails the test.
import type { AlertRule } from '../../scripts/monitoring/rules.ts';

type Labels = Record<string, string>;
interface Series { series: string; values: string }
interface Case {
  alert: string;
  series: Series[];
  /** Labels of the alert that must fire (alertname is implied). */
  fires: Labels;
  /** What {{ $value }} prints in each form used by the texts. */
  value: { plain?: string; printf?: string; humanize?: string; humanize1024?: string };
}

export const EVAL = '15m';
const NODE = { node: 'tokyo-1', region: 'asia-east', country: 'JP' };
const OTHER = { node: 'frankfurt-1', region: 'europe', country: 'DE' };
const nodeJob = (n: Labels, port = '9100'): Labels => ({ job: 'node', instance: `192.0.2.${n.node === 'tokyo-1' ? 10 : 20}:${port}`, ...n });
const probeJob = (n: Labels, inbound: string, type: string): Labels => ({ job: 'blackbox', instance: `192.0.2.${n.node === 'tokyo-1' ? 10 : 20}:8443`, ...n, inbound, type });

function s(metric: string, labels: Labels, values: string): Series {
  return { series: `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`, values };
}

/** One firing case per alert; the OTHER node's series in each case must not fire. */
export function cases(): Case[] {
  const fsLabels = (n: Labels, fstype: string, mountpoint: string): Labels => ({ ...nodeJob(n), device: '/dev/vda1', fstype, mountpoint });
  return [
    { alert: 'NodeDown', series: [s('up', nodeJob(NODE), '0x20'), s('up', nodeJob(OTHER), '1x20')], fires: nodeJob(NODE), value: {} },
    { alert: 'SingBoxDown', series: [s('boxfleet_singbox_up', nodeJob(NODE), '0x20'), s('boxfleet_singbox_up', nodeJob(OTHER), '1x20')], fires: nodeJob(NODE), value: {} },
    // 3 idle seconds per minute = 5 % idle = 95 % busy; the other node is fully idle.
    { alert: 'CpuHigh', series: [s('node_cpu_seconds_total', { ...nodeJob(NODE), cpu: '0', mode: 'idle' }, '0+3x20'), s('node_cpu_seconds_total', { ...nodeJob(OTHER), cpu: '0', mode: 'idle' }, '0+60x20')], fires: nodeJob(NODE), value: { printf: '95' } },
    { alert: 'MemoryHigh', series: [
      s('node_memory_MemAvailable_bytes', nodeJob(NODE), '5x20'), s('node_memory_MemTotal_bytes', nodeJob(NODE), '100x20'),
      s('node_memory_MemAvailable_bytes', nodeJob(OTHER), '50x20'), s('node_memory_MemTotal_bytes', nodeJob(OTHER), '100x20'),
    ], fires: nodeJob(NODE), value: { printf: '95' } },
    // A full tmpfs and a full read-only filesystem are not disk pressure.
    { alert: 'DiskHigh', series: [
      s('node_filesystem_avail_bytes', fsLabels(NODE, 'ext4', '/'), '4x20'), s('node_filesystem_size_bytes', fsLabels(NODE, 'ext4', '/'), '100x20'), s('node_filesystem_readonly', fsLabels(NODE, 'ext4', '/'), '0x20'),
      s('node_filesystem_avail_bytes', fsLabels(NODE, 'tmpfs', '/run'), '0x20'), s('node_filesystem_size_bytes', fsLabels(NODE, 'tmpfs', '/run'), '100x20'), s('node_filesystem_readonly', fsLabels(NODE, 'tmpfs', '/run'), '0x20'),
      s('node_filesystem_avail_bytes', fsLabels(OTHER, 'ext4', '/'), '0x20'), s('node_filesystem_size_bytes', fsLabels(OTHER, 'ext4', '/'), '100x20'), s('node_filesystem_readonly', fsLabels(OTHER, 'ext4', '/'), '1x20'),
    ], fires: fsLabels(NODE, 'ext4', '/'), value: { printf: '96' } },
    // tokyo-1's link is 1000 Mbit/s (80 % = 800): 120 MB/s out = 960 Mbit/s fires; 1 MB/s in does not.
    // frankfurt-1 (500 Mbit/s) at 40 MB/s = 320 Mbit/s stays under its 400.
    { alert: 'BandwidthHigh', series: [
      s('boxfleet_inbound_bytes_total', { ...nodeJob(NODE), inbound: 'vless-reality-443', port: '443', direction: 'out' }, '0+7200000000x20'),
      s('boxfleet_inbound_bytes_total', { ...nodeJob(NODE), inbound: 'vless-reality-443', port: '443', direction: 'in' }, '0+60000000x20'),
      s('boxfleet_inbound_bytes_total', { ...nodeJob(OTHER), inbound: 'trojan-443', port: '443', direction: 'out' }, '0+2400000000x20'),
    ], fires: { ...NODE, direction: 'out' }, value: { humanize: '960M' } },
    { alert: 'ConnectionsHigh', series: [
      s('boxfleet_inbound_connections', { ...nodeJob(NODE), inbound: 'vless-reality-443', port: '443', proto: 'tcp' }, '3000x20'),
      s('boxfleet_inbound_connections', { ...nodeJob(NODE), inbound: 'vless-ws-8443', port: '8443', proto: 'tcp' }, '2500x20'),
      s('boxfleet_inbound_connections', { ...nodeJob(OTHER), inbound: 'trojan-443', port: '443', proto: 'tcp' }, '4000x20'),
    ], fires: NODE, value: { plain: '5500' } },
    // time() is 900 at 15m: expiry 10 days ahead fires, 30 days ahead does not.
    { alert: 'CertificateExpiring', series: [
      s('probe_ssl_earliest_cert_expiry', probeJob(NODE, 'vless-ws-8443', 'vless-ws'), `${900 + 10 * 86400}x20`),
      s('probe_ssl_earliest_cert_expiry', probeJob(OTHER, 'trojan-443', 'trojan'), `${900 + 30 * 86400}x20`),
    ], fires: probeJob(NODE, 'vless-ws-8443', 'vless-ws'), value: { printf: '10' } },
    { alert: 'ProbeFailing', series: [s('probe_success', probeJob(NODE, 'vless-ws-8443', 'vless-ws'), '0x20'), s('probe_success', probeJob(OTHER, 'trojan-443', 'trojan'), '1x20')], fires: probeJob(NODE, 'vless-ws-8443', 'vless-ws'), value: {} },
    // Behind by 15 s fires (abs); 2 s ahead does not.
    { alert: 'ClockSkew', series: [s('node_timex_offset_seconds', nodeJob(NODE), '-15x20'), s('node_timex_offset_seconds', nodeJob(OTHER), '2x20')], fires: nodeJob(NODE), value: { printf: '15' } },
    { alert: 'ConfigDrift', series: [s('boxfleet_config_drift', nodeJob(NODE), '1x20'), s('boxfleet_config_drift', nodeJob(OTHER), '0x20')], fires: nodeJob(NODE), value: {} },
    // alice moves 2.4 GB a minute through tokyo-1: at 15m the last hour holds 36 GB, over 20 GiB since 9m; bob 60 MB a minute.
    { alert: 'UserTrafficHigh', series: [
      s('boxfleet_user_bytes_total', { ...nodeJob(NODE), user: 'alice', direction: 'down' }, '0+2400000000x20'),
      s('boxfleet_user_bytes_total', { ...nodeJob(OTHER), user: 'bob', direction: 'down' }, '0+60000000x20'),
    ], fires: { ...NODE, user: 'alice' }, value: { humanize1024: '33.53Gi' } },
    // The script on tokyo-1 last ran at time 0; frankfurt-1's runs every minute.
    { alert: 'NodeMetricsStale', series: [s('boxfleet_metrics_last_run_timestamp_seconds', nodeJob(NODE), '0x20'), s('boxfleet_metrics_last_run_timestamp_seconds', nodeJob(OTHER), '0+60x20')], fires: nodeJob(NODE), value: {} },
  ];
}

export function expand(text: string, labels: Labels, value: Case['value']): string {
  return text
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? '')
    .replace(/\{\{ \$value \| printf "%\.0f" \}\}/g, () => need(value.printf, 'printf'))
    .replace(/\{\{ \$value \| humanize \}\}/g, () => need(value.humanize, 'humanize'))
    .replace(/\{\{ \$value \| humanize1024 \}\}/g, () => need(value.humanize1024, 'humanize1024'))
    .replace(/\{\{ \$value \}\}/g, () => need(value.plain, 'plain'));
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new Error(`rule test case lacks the ${what} form of $value`);
  return v;
}

export function ruleTestFile(ruleFiles: string[], rules: AlertRule[], severityOf = (r: AlertRule) => r.severity): Record<string, unknown> {
  const byName = new Map(rules.map((r) => [r.alert, r]));
  const all = cases();
  return {
    rule_files: ruleFiles,
    evaluation_interval: '1m',
    tests: all.map((c) => {
      const rule = byName.get(c.alert);
      if (!rule) throw new Error(`no rule ${c.alert}`);
      const labels = { ...c.fires, severity: severityOf(rule) };
      return {
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [
          { eval_time: EVAL, alertname: c.alert, exp_alerts: [{ exp_labels: labels, exp_annotations: { summary: expand(rule.summary, labels, c.value), description: expand(rule.description, labels, c.value) } }] },
          // Nothing fires before `for` has passed (5m in the demo fleet).
          { eval_time: '1m', alertname: c.alert, exp_alerts: [] },
          // No other alert fires on these series (e.g. DiskHigh does not also raise NodeDown).
          ...rules.filter((r) => r.alert !== c.alert).map((r) => ({ eval_time: EVAL, alertname: r.alert, exp_alerts: [] })),
        ],
      };
    }),
  };
}
