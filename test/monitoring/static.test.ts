// The generated monitoring files against the real Debian tools: promtool, amtool and
// blackbox_exporter accept them, the routing tree sends alerts where it should, and the
// output is deterministic and free of secrets.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetDashboard, dashboardExpressions } from '../../scripts/monitoring/dashboard.ts';
import { withDefaults } from '../../scripts/monitoring/options.ts';
import { alertRules } from '../../scripts/monitoring/rules.ts';
import { renderMonitoring } from '../../scripts/monitoring/render.ts';
import { fillYamlSecrets, placeholdersIn } from '../../scripts/monitoring/secrets.ts';
import { largeFleet, makeFleet } from './fixtures.ts';
import { ruleTestFile } from './rule-tests.ts';
import { checkAll, ok, renderTo, routeOf, type Rendered } from './tools.ts';

const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((f) => f()));
const track = <T extends { remove(): void }>(x: T): T => { cleanup.push(() => x.remove()); return x; };

describe('monitoring files for the demo fleet', () => {
  const demo = track(makeFleet());
  const out: Rendered = track(renderTo(demo.fleet));

  it('pass promtool, amtool and blackbox_exporter checks', async () => {
    await checkAll(out);
  });

  it('label targets by node, region, country (and inbound, type for probes), never with more than the address', () => {
    const nodes = JSON.parse(out.read('prometheus/targets/node.json')) as { targets: string[]; labels: Record<string, string> }[];
    expect(nodes).toEqual([
      { targets: ['198.51.100.20:9100'], labels: { node: 'frankfurt-1', region: 'europe', country: 'DE' } },
      { targets: ['203.0.113.30:9100'], labels: { node: 'singapore-1', region: 'asia-southeast', country: 'SG' } },
      { targets: ['203.0.113.10:9100'], labels: { node: 'tokyo-1', region: 'asia-east', country: 'JP' } },
    ]);
    const probes = JSON.parse(out.read('prometheus/targets/blackbox.json')) as { targets: string[]; labels: Record<string, string> }[];
    const summary = probes.map((p) => `${p.labels.node} ${p.labels.inbound} ${p.labels.__param_module} ${p.targets[0]}`);
    // No probe for tuic/hysteria2 (UDP); Reality and Shadowsocks get a TCP connect; only
    // inbounds with our own certificate get the TLS module.
    expect(summary).toEqual([
      'frankfurt-1 trojan-443 tls_frankfurt-1 198.51.100.20:443',
      'frankfurt-1 shadowsocks-8388 tcp_connect 198.51.100.20:8388',
      'singapore-1 vless-reality-443 tcp_connect 203.0.113.30:443',
      'singapore-1 vmess-ws-2053 tls_singapore-1 203.0.113.30:2053',
      'tokyo-1 vless-reality-443 tcp_connect 203.0.113.10:443',
      'tokyo-1 vless-ws-8443 tls_tokyo-1 203.0.113.10:8443',
    ]);
    for (const p of probes) expect(Object.keys(p.labels)).toEqual(['node', 'region', 'country', 'inbound', 'type', '__param_module']);
    const bb = parse(out.read('blackbox/blackbox.yml')) as { modules: Record<string, any> };
    // frankfurt-1 is self-signed: verified against its committed certificate, or (before
    // `fleet node cert`) read for expiry only.
    const fra = demo.fleet.nodes.find((n) => n.name === 'frankfurt-1')!;
    expect(bb.modules['tls_frankfurt-1'].tcp.tls_config).toEqual(fra.tls?.certificate
      ? { server_name: 'frankfurt-1.example.com', ca_file: join(out.dir, 'blackbox/certs/frankfurt-1.pem') }
      : { server_name: 'frankfurt-1.example.com', insecure_skip_verify: true });
    if (fra.tls?.certificate) expect(out.read('blackbox/certs/frankfurt-1.pem')).toBe(fra.tls.certificate.trimEnd() + '\n');
    expect(bb.modules['tls_tokyo-1'].tcp.tls_config).toEqual({ server_name: 'tokyo-1.example.com' });
    expect(bb.modules.tcp_connect.tcp.tls).toBeUndefined();
    expect(bb.modules.tls.tcp.tls).toBe(true);
  });

  it('relabels probes so the inbound address appears only as `instance`, and drops it from alerts', () => {
    const prom = parse(out.read('prometheus/prometheus.yml')) as any;
    const bbJob = prom.scrape_configs.find((j: any) => j.job_name === 'blackbox');
    expect(bbJob.relabel_configs).toEqual([
      { source_labels: ['__address__'], target_label: '__param_target' },
      { source_labels: ['__param_target'], target_label: 'instance' },
      { target_label: '__address__', replacement: 'blackbox:9115' },
    ]);
    expect(prom.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'instance' }]);
    expect(prom.rule_files).toEqual(['rules/*.yml']);
    expect(out.read('prometheus/prometheus.yml')).toMatch(/Hysteria2 and TUIC run over QUIC\/UDP/);
    const shown = track(makeFleet({ settings: (s) => { s.alerts.show_addresses = true; } }));
    const prom2 = parse(renderMonitoring(shown.fleet).get('prometheus/prometheus.yml')!) as any;
    expect(prom2.alerting.alert_relabel_configs).toBeUndefined();
  });

  it('takes thresholds and `for` from fleet.yaml', () => {
    const custom = track(makeFleet({ settings: (s) => { s.alerts.thresholds = { cpu_percent: 77, memory_percent: 66, disk_percent: 55, bandwidth_percent: 44, connections: 333, for: '2m' }; } }));
    const rules = parse(renderMonitoring(custom.fleet).get('prometheus/rules/alerts.yml')!) as any;
    const all = rules.groups.flatMap((g: any) => g.rules);
    const expr = (name: string) => all.find((r: any) => r.alert === name).expr as string;
    expect(all.every((r: any) => r.for === '2m')).toBe(true);
    expect(expr('CpuHigh')).toMatch(/> 77$/);
    expect(expr('MemoryHigh')).toMatch(/> 66$/);
    expect(expr('DiskHigh')).toContain('> 55 and');
    expect(expr('BandwidthHigh')).toMatch(/\* 0\.44\)$/);
    expect(expr('ConnectionsHigh')).toMatch(/> 333$/);
    const limits = parse(renderMonitoring(custom.fleet).get('prometheus/rules/limits.yml')!) as any;
    expect(limits.groups[0].rules).toContainEqual({ record: 'boxfleet:node_bandwidth_limit_bits_per_second', expr: 'vector(1000000000)', labels: { node: 'tokyo-1' } });
    for (const r of all) {
      expect(r.annotations.summary + r.annotations.description).toContain('{{ $labels.node }}');
      expect(r.annotations.summary + r.annotations.description).not.toMatch(/instance|[<>&]/);
    }
  });

  it('passes `promtool test rules`: every alert fires with its labels and texts, and only when it should', async () => {
    const rules = alertRules(demo.fleet, withDefaults());
    const file = join(out.dir, 'rules.test.yml');
    writeFileSync(file, JSON.stringify(ruleTestFile([join(out.dir, 'prometheus/rules/alerts.yml'), join(out.dir, 'prometheus/rules/limits.yml')], rules)));
    const tested = new Set((ruleTestFile([], rules).tests as any[]).map((t) => t.alert_rule_test[0].alertname));
    expect([...tested].sort()).toEqual(rules.map((r) => r.alert).sort());
    const r = await ok('promtool', ['test', 'rules', file]);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('routes critical and warning alerts to the operators, groups by node, inhibits by node', async () => {
    const am = join(out.dir, 'alertmanager/alertmanager.yml');
    expect(await routeOf(am, { alertname: 'NodeDown', severity: 'critical', node: 'tokyo-1' })).toBe('operators');
    expect(await routeOf(am, { alertname: 'CpuHigh', severity: 'warning', node: 'tokyo-1' })).toBe('operators');
    const cfg = parse(out.read('alertmanager/alertmanager.yml')) as any;
    expect(cfg.route.group_by).toEqual(['node']);
    expect(cfg.route.routes.at(-1)).toEqual({ receiver: 'operators', matchers: ['severity="critical"'], repeat_interval: '1h' });
    expect(cfg.inhibit_rules[0]).toEqual({ source_matchers: ['alertname="NodeDown"'], target_matchers: ['alertname!="NodeDown"'], equal: ['node'] });
    const tg = cfg.receivers[0].telegram_configs[0];
    expect(tg).toMatchObject({ chat_id: -1001234567890, bot_token: '__BOXFLEET_ENV_TELEGRAM_BOT_TOKEN__', parse_mode: 'HTML', send_resolved: true });
    expect(cfg.receivers[0].email_configs).toBeUndefined();
    expect(out.read('alertmanager/templates/boxfleet.tmpl')).not.toMatch(/instance|\.Labels\.job/);
  });

  it('parses every dashboard query with promtool', async () => {
    const exprs = dashboardExpressions(fleetDashboard('demo'));
    expect(exprs.length).toBeGreaterThan(12);
    // Dashboard variables become a match-all regex, as Grafana's "All" does.
    const rules = exprs.map((e, i) => ({ record: `boxfleet:dashboard_query_${i}`, expr: e.replaceAll('$node', '.*').replaceAll('$region', '.*') }));
    const file = join(out.dir, 'dashboard-queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const r = await ok('promtool', ['check', 'rules', file]);
    expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it('is deterministic and holds no secret', () => {
    const again = renderMonitoring(demo.fleet, { blackboxDir: join(out.dir, 'blackbox') });
    expect([...again.keys()]).toEqual([...out.files.keys()]);
    for (const [p, c] of again) expect(readFileSync(join(out.dir, p), 'utf8'), p).toBe(c);
    const all = [...again.values()].join('\n');
    expect(placeholdersIn(all)).toEqual(['TELEGRAM_BOT_TOKEN']);
    expect(all).not.toMatch(/FLEET_SECRET|demo-secret|password:\s*\S*[^_]$/m);
    const compose = parse(again.get('docker-compose.yml')!) as any;
    for (const svc of Object.values(compose.services) as any[]) for (const p of svc.ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    for (const svc of Object.values(compose.services) as any[]) expect(svc.image).toMatch(/:v?\d+\.\d+\.\d+$/);
    expect(compose.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}');
    expect(compose.services.grafana.environment.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
  });
});

describe('monitoring files for a 30-node fleet with e-mail and a node in maintenance', () => {
  const big = track(largeFleet());
  const out = track(renderTo(big.fleet));

  it('pass the same checks and cover every node', async () => {
    await checkAll(out);
    expect(JSON.parse(out.read('prometheus/targets/node.json'))).toHaveLength(30);
    // 27 generated nodes × (Reality, Shadowsocks, trojan) + the demo's 6 TCP probes.
    expect(JSON.parse(out.read('prometheus/targets/blackbox.json'))).toHaveLength(27 * 3 + 6);
    expect((parse(out.read('prometheus/rules/limits.yml')) as any).groups[0].rules).toHaveLength(30);
  });

  it('mutes the node in maintenance and still routes the others', async () => {
    const am = join(out.dir, 'alertmanager/alertmanager.yml');
    expect(await routeOf(am, { alertname: 'NodeDown', severity: 'critical', node: 'gen-06' })).toBe('muted');
    expect(await routeOf(am, { alertname: 'NodeDown', severity: 'critical', node: 'gen-07' })).toBe('operators');
  });

  it('fills e-mail and Telegram secrets at deploy time, safely quoted, and the result still passes amtool', async () => {
    const text = out.read('alertmanager/alertmanager.yml');
    expect(placeholdersIn(text)).toEqual(['SMTP_FROM', 'SMTP_HOST', 'SMTP_PASSWORD', 'SMTP_PORT', 'SMTP_USERNAME', 'TELEGRAM_BOT_TOKEN']);
    expect(() => fillYamlSecrets(text, { TELEGRAM_BOT_TOKEN: 'x' })).toThrow(/SMTP_FROM, SMTP_HOST, SMTP_PASSWORD, SMTP_PORT, SMTP_USERNAME/);
    const env = { TELEGRAM_BOT_TOKEN: '123:AA#b: "c"', SMTP_HOST: 'smtp.example.com', SMTP_PORT: '587', SMTP_FROM: 'alerts@example.com', SMTP_USERNAME: 'alerts', SMTP_PASSWORD: "p: #'\"x" };
    const filled = fillYamlSecrets(text, env);
    const cfg = parse(filled) as any;
    expect(cfg.receivers[0].telegram_configs[0].bot_token).toBe(env.TELEGRAM_BOT_TOKEN);
    expect(cfg.global.smtp_auth_password).toBe(env.SMTP_PASSWORD);
    expect(cfg.global.smtp_smarthost).toBe('smtp.example.com:587');
    expect(cfg.receivers[0].email_configs[0].to).toBe('ops@example.com');
    const f = join(out.dir, 'alertmanager/filled.yml');
    writeFileSync(f, filled);
    await ok('amtool', ['check-config', f]);
  });
});
