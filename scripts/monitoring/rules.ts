// Alert rules as data: one place that says what each alert watches, when it fires and
// what the operator should do. Rendered to Prometheus rule files; the tests turn the same
// list into `promtool test rules` cases. Texts avoid <, > and & because Telegram's HTML
// mode rejects them unescaped, and they name the node by {{ $labels.node }} only.
import type { Fleet } from '../model/types.ts';
import type { MonitoringOptions } from './options.ts';
import { scrapedNodes } from './targets.ts';
import { toYaml } from './yaml.ts';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  alert: string;
  group: 'node' | 'singbox' | 'probe';
  expr: string;
  severity: Severity;
  summary: string;
  description: string;
}

export const LIMIT_METRIC = 'boxfleet:node_bandwidth_limit_bits_per_second';

export function alertRules(fleet: Fleet, opts: MonitoringOptions): AlertRule[] {
  const t = fleet.settings.alerts.thresholds;
  const w = opts.rateWindow;
  const stale = opts.staleAfterMinutes * 60;
  return [
    { alert: 'NodeDown', group: 'node', severity: 'critical', expr: 'up{job="node"} == 0',
      summary: 'Node {{ $labels.node }} is unreachable',
      description: "Prometheus cannot scrape node_exporter on {{ $labels.node }}: the server is down, its network is cut, or the firewall drops the monitoring host. Check the provider's console and `ssh` to the node; other alerts of this node are held back while it is down." },
    { alert: 'SingBoxDown', group: 'singbox', severity: 'critical', expr: 'boxfleet_singbox_up == 0',
      summary: 'sing-box is not running on {{ $labels.node }}',
      description: 'The node answers but its sing-box service is not active: every user of {{ $labels.node }} is cut off. Run `journalctl -u sing-box -n 50` on the node, then `npm run fleet -- deploy --nodes {{ $labels.node }}` (it rolls back a config that does not start).' },
    { alert: 'CpuHigh', group: 'node', severity: 'warning',
      expr: `100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[${w}]))) > ${t.cpu_percent}`,
      summary: 'CPU of {{ $labels.node }} above ' + t.cpu_percent + '%',
      description: 'CPU use on {{ $labels.node }} is {{ $value | printf "%.0f" }}% (threshold ' + t.cpu_percent + '%). Users see slow connections. Check `top` on the node; move users or add a node if the load is real traffic.' },
    { alert: 'MemoryHigh', group: 'node', severity: 'warning',
      expr: `100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${t.memory_percent}`,
      summary: 'Memory of {{ $labels.node }} above ' + t.memory_percent + '%',
      description: 'Memory use on {{ $labels.node }} is {{ $value | printf "%.0f" }}% (threshold ' + t.memory_percent + '%); the kernel may soon kill sing-box. Check `free -m` and `ps aux --sort=-rss | head` on the node.' },
    { alert: 'DiskHigh', group: 'node', severity: 'warning',
      expr: `100 * (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs|fuse.*"} / node_filesystem_size_bytes) > ${t.disk_percent} and on (job, instance, device, mountpoint) node_filesystem_readonly == 0`,
      summary: 'Disk {{ $labels.mountpoint }} of {{ $labels.node }} above ' + t.disk_percent + '%',
      description: 'Filesystem {{ $labels.mountpoint }} on {{ $labels.node }} is {{ $value | printf "%.0f" }}% full (threshold ' + t.disk_percent + '%). A full disk stops logs and deploys. Run `journalctl --vacuum-size=200M` and `du -xh / | sort -h | tail` on the node.' },
    { alert: 'BandwidthHigh', group: 'singbox', severity: 'warning',
      expr: `sum by (node, region, country, direction) (rate(boxfleet_inbound_bytes_total[${w}])) * 8 > on (node) group_left () (${LIMIT_METRIC} * ${t.bandwidth_percent / 100})`,
      summary: 'Traffic {{ $labels.direction }} on {{ $labels.node }} above ' + t.bandwidth_percent + '% of its link',
      description: 'Proxy traffic {{ $labels.direction }} on {{ $labels.node }} is {{ $value | humanize }}bit/s, over ' + t.bandwidth_percent + '% of its bandwidth_mbps. Users will see slow speeds. Move heavy users to another node or raise the plan (and bandwidth_mbps in nodes/{{ $labels.node }}.yaml).' },
    { alert: 'ConnectionsHigh', group: 'singbox', severity: 'warning',
      expr: `sum by (node, region, country) (boxfleet_inbound_connections) > ${t.connections}`,
      summary: '{{ $labels.node }} holds more than ' + t.connections + ' connections',
      description: '{{ $labels.node }} has {{ $value }} established connections on its inbounds (threshold ' + t.connections + '). This is either growth or abuse: check `ss -tn state established` on the node and the users it serves.' },
    { alert: 'CertificateExpiring', group: 'probe', severity: 'warning',
      expr: '(probe_ssl_earliest_cert_expiry - time()) / 86400 < 14',
      summary: 'Certificate of {{ $labels.node }} expires in {{ $value | printf "%.0f" }} days',
      description: 'The TLS certificate served by {{ $labels.node }} on inbound {{ $labels.inbound }} expires in less than 14 days. For ACME, check the renewal log of sing-box on the node; for files, install a new certificate; for self-signed, run `npm run fleet -- node cert {{ $labels.node }} --replace` and deploy.' },
    { alert: 'ProbeFailing', group: 'probe', severity: 'critical', expr: 'probe_success == 0',
      summary: 'Inbound {{ $labels.inbound }} of {{ $labels.node }} does not answer',
      description: "The monitoring host's probe of {{ $labels.inbound }} ({{ $labels.type }}) on {{ $labels.node }} fails: the port is closed, filtered, or its TLS handshake fails (expired or wrong certificate). Check sing-box and the firewall on the node." },
    { alert: 'ClockSkew', group: 'node', severity: 'warning', expr: 'abs(node_timex_offset_seconds) > 10',
      summary: 'Clock of {{ $labels.node }} is off by {{ $value | printf "%.0f" }} s',
      description: "The clock of {{ $labels.node }} is more than 10 s off. Shadowsocks 2022 refuses clients at 30 s and VMess and Reality also check time. Check `timedatectl` on the node and enable NTP (systemd-timesyncd or chrony)." },
    { alert: 'ConfigDrift', group: 'singbox', severity: 'warning', expr: 'boxfleet_config_drift == 1',
      summary: 'Config of {{ $labels.node }} differs from the last deploy',
      description: "The sing-box config on {{ $labels.node }} does not match the hash the last healthy deploy recorded: someone changed it by hand or a deploy was interrupted. Run `npm run fleet -- drift` to see the difference and `npm run fleet -- deploy --nodes {{ $labels.node }}` to restore it." },
    // Per-user counters exist only with monitoring.per_user_metrics (and the stats build);
    // without them the rule has nothing to look at and never fires.
    { alert: 'UserTrafficHigh', group: 'singbox', severity: 'warning',
      expr: `sum by (node, region, country, user) (rate(boxfleet_user_bytes_total[1h])) * 3600 > ${t.user_gb_per_hour * 1024 ** 3}`,
      summary: 'User {{ $labels.user }} moves over ' + t.user_gb_per_hour + ' GB per hour through {{ $labels.node }}',
      description: '{{ $labels.user }} moved {{ $value | humanize1024 }}B in the last hour through {{ $labels.node }} (threshold ' + t.user_gb_per_hour + ' GB per hour): a shared link or abuse. Check `npm run fleet -- usage` and the user; `npm run fleet -- user rotate {{ $labels.user }} --revoke` gives them a new link that nobody else has.' },
    { alert: 'NodeMetricsStale', group: 'singbox', severity: 'warning',
      expr: `time() - boxfleet_metrics_last_run_timestamp_seconds > ${stale}`,
      summary: 'Node metrics of {{ $labels.node }} are stale',
      description: 'boxfleet-metrics on {{ $labels.node }} last ran over ' + opts.staleAfterMinutes + ' minutes ago, so sing-box, drift and traffic alerts of this node are blind. Run `systemctl status boxfleet-metrics.timer` and `systemctl start boxfleet-metrics` on the node.' },
  ];
}

export function renderAlertRules(fleet: Fleet, opts: MonitoringOptions): string {
  const rules = alertRules(fleet, opts);
  const groups = (['node', 'singbox', 'probe'] as const).map((g) => ({
    name: `boxfleet-${g}`,
    rules: rules.filter((r) => r.group === g).map((r) => ({
      alert: r.alert,
      expr: r.expr,
      for: fleet.settings.alerts.thresholds.for,
      labels: { severity: r.severity },
      annotations: { summary: r.summary, description: r.description },
    })),
  }));
  return toYaml({ groups }, 'Generated by `fleet monitoring`: thresholds and `for` come from fleet.yaml alerts.thresholds.');
}

/**
 * Each node's link speed as a series, so BandwidthHigh compares traffic with the node's
 * own limit in one rule. Nodes without bandwidth_mbps have no limit and no alert.
 */
export function renderLimitRules(fleet: Fleet): string {
  const rules = scrapedNodes(fleet).filter((n) => n.bandwidth_mbps).map((n) => ({
    record: LIMIT_METRIC,
    expr: `vector(${n.bandwidth_mbps! * 1_000_000})`,
    labels: { node: n.name },
  }));
  return toYaml({ groups: rules.length ? [{ name: 'boxfleet-limits', rules }] : [] }, 'Generated by `fleet monitoring` from bandwidth_mbps of each node.');
}
