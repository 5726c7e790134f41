// Live: the metrics script on a test host with the real sing-box (its Clash API and
// version), the real node script (is-active), real nftables and sockets, then the whole
// alert path — node_exporter in the host reading the script's output, Prometheus,
// Alertmanager and blackbox_exporter on loopback, Telegram as a local stand-in. Every
// wait is a deadline for an event, never a speed assertion.
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, useHosts, waitForPort, tcpProbe } from '../harness/index.ts';
import { singboxBin, TOOL_VERSIONS } from '../tools/index.ts';
import { nodeScript } from '../../scripts/deploy/bootstrap-files.ts';
import { nodeMonitoringFiles } from '../../scripts/monitoring/node-files.ts';
import { fleetDashboard, dashboardExpressions } from '../../scripts/monitoring/dashboard.ts';
import { fillYamlSecrets } from '../../scripts/monitoring/secrets.ts';
import { startTelegramStandIn, type TelegramStandIn } from '../stand-ins/telegram/index.ts';
import { makeFleet, nodeYaml, type FleetDir } from './fixtures.ts';
import { freePort, getJson, logOf, startProc, stopProc, until, type Proc } from './stack.ts';
import { renderTo, type Rendered } from './tools.ts';

const PROM = '/var/lib/prometheus/node-exporter/boxfleet.prom';
const TOKEN = '4242:stand-in-token';
const MB10 = 10 * 1024 * 1024;
// Accepts on each port, reads until the client closes; holds connections open meanwhile.
const SINK = `import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, _ = s.accept(); threading.Thread(target=drain, args=(c,), daemon=True).start()
def drain(c):
    while c.recv(65536): pass
    c.close()
for p in sys.argv[1:]: threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()`;
// What sing-box runs here: a local mixed proxy (to carry counted traffic) and its Clash API.
const SINGBOX_CONFIG = JSON.stringify({
  log: { level: 'warn' },
  inbounds: [{ type: 'mixed', tag: 'local', listen: '127.0.0.1', listen_port: 2080 }],
  outbounds: [{ type: 'direct', tag: 'direct' }],
  experimental: { clash_api: { external_controller: '127.0.0.1:9090', secret: 'clash-secret' } },
});

function metrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) { const i = line.lastIndexOf(' '); m.set(line.slice(0, i), Number(line.slice(i + 1))); }
  return m;
}

describe('node metrics and the alert path, live', () => {
  const hosts = useHosts(2);
  let fleet: FleetDir;
  const h1 = () => hosts().hosts[0]!;

  async function runScript(): Promise<Map<string, number>> {
    await h1().exec(['/usr/local/sbin/boxfleet-metrics'], { check: true, timeoutMs: 20_000 });
    return metrics((await h1().exec(['cat', PROM], { check: true })).stdout);
  }

  beforeAll(async () => {
    const h = h1();
    fleet = makeFleet({
      demoNodes: false,
      nodes: [nodeYaml('edge-1', h.ip, { tls: undefined, inbounds: [
        { type: 'vless-reality', port: 443, handshake_server: 'www.example.com' },
        { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-128-gcm' },
      ] })],
      settings: (s) => {
        s.alerts.thresholds.for = '0s';
        s.monitoring = { address: hosts().bridgeIp, ssh: { host: '127.0.0.1', port: 22, user: 'root', bootstrap_user: 'root', host_keys: [h.hostKey] }, per_user_metrics: true };
      },
    });
    // Install the node files as bootstrap does (no systemd on test hosts: the test runs the script).
    const node = fleet.fleet.nodes[0]!;
    for (const f of nodeMonitoringFiles(fleet.fleet, node)) {
      await h.exec(['sh', '-c', `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${f.mode.toString(8)} "$1"`, 'sh', f.path], { input: f.content, check: true });
    }
    // A usage ledger as the stats build's helper keeps it: per-user counters reach Prometheus.
    await h.put('/var/lib/boxfleet/usage.json', JSON.stringify({ ledger: '0123456789abcdef', seq: 1, acked: 1, process: '', base: {}, totals: { alice: { up: 10, down: 20 } } }), '0600');
    await h.exec(['sh', '-c', `mkdir -p /etc/sing-box /var/lib/boxfleet /var/lib/prometheus/node-exporter && cat > /etc/sing-box/config.json && echo "{\\"config_sha256\\": \\"$(sha256sum /etc/sing-box/config.json | cut -d' ' -f1)\\", \\"commit\\": \\"abc123\\"}" > /var/lib/boxfleet/deployed.json`], { input: SINGBOX_CONFIG, check: true });
    // The real node script (is-active through its PID-file service manager) and sing-box.
    await h.exec(['sh', '-c', 'cat > /usr/local/sbin/boxfleet-node && chmod 755 /usr/local/sbin/boxfleet-node'], { input: nodeScript(), check: true });
    await h.exec(['sh', '-c', 'mkdir -p /etc/boxfleet && printf "BOXFLEET_TEST_HOST=1\\nBOXFLEET_SERVICE_MANAGER=pidfile\\n" > /etc/boxfleet/node.env'], { check: true });
    await h.exec(['sh', '-c', 'cat > /usr/local/bin/sing-box && chmod 755 /usr/local/bin/sing-box'], { input: readFileSync(singboxBin()), check: true });
    await startSingbox();
    // A traffic sink on the inbound ports, whose bytes nftables counts.
    await h.spawnServer(['/usr/bin/python3', '-c', SINK, '443', '8388']);
    expect(await waitForPort(h.ip, 8388, 10_000)).toBe(true);
    // A page on the host's loopback, fetched through sing-box so its Clash API counts it.
    await h.exec(['sh', '-c', 'mkdir -p /root/www && head -c 200000 /dev/zero > /root/www/page'], { check: true });
    await h.spawnServer(['/usr/bin/python3', '-m', 'http.server', '8099', '--bind', '127.0.0.1', '--directory', '/root/www']);
    await until('the page server', 10_000, async () => ((await h.exec(['sh', '-c', 'ss -Hltn | grep -q "127.0.0.1:8099 "'])).code === 0 ? true : undefined));
  });
  afterAll(() => fleet?.remove());

  let singboxPid = 0;
  /** sing-box as the node's service: started, its PID where the node script's PID-file manager looks. */
  async function startSingbox(): Promise<void> {
    singboxPid = await h1().spawnServer(['/usr/local/bin/sing-box', 'run', '-c', '/etc/sing-box/config.json']);
    await h1().exec(['sh', '-c', `echo ${singboxPid} > /run/sing-box.pid`], { check: true });
    await until('the Clash API', 10_000, async () => ((await h1().exec(['sh', '-c', 'ss -Hltn | grep -q "127.0.0.1:9090 "'])).code === 0 ? true : undefined));
  }

  it('reports sing-box, version, config hashes, Clash API totals and its own run time', async () => {
    // 200 kB through sing-box: its Clash API counts them.
    const got = await h1().exec(['curl', '-sS', '-m', '10', '-o', '/dev/null', '-w', '%{size_download}', '-x', 'socks5h://127.0.0.1:2080', 'http://127.0.0.1:8099/page'], { check: true });
    expect(got.stdout).toBe('200000');
    const m = await runScript();
    expect(m.get('boxfleet_singbox_up')).toBe(1);
    expect(m.get(`boxfleet_singbox_version_info{version="${TOOL_VERSIONS.singbox.pinned}"}`)).toBe(1);
    expect(m.get('boxfleet_config_drift')).toBe(0);
    expect(m.get('boxfleet_clash_api_up')).toBe(1);
    expect(m.get('boxfleet_clash_download_bytes_total')).toBeGreaterThanOrEqual(200000);
    expect(m.get('boxfleet_clash_upload_bytes_total')).toBeGreaterThan(0);
    expect([...m.keys()].some((k) => k.startsWith('boxfleet_config_marker_info{') && k.includes('commit="abc123"'))).toBe(true);
    expect(Math.abs(m.get('boxfleet_metrics_last_run_timestamp_seconds')! - Date.now() / 1000)).toBeLessThan(120);
    // The secret went over loopback HTTP, not into the output.
    expect((await h1().exec(['cat', PROM])).stdout).not.toContain('clash-secret');
    // sing-box stopped: down, and its API with it.
    process.kill(singboxPid, 'SIGTERM');
    await until('sing-box to stop', 10_000, async () => (isAlive(singboxPid) ? undefined : true));
    const down = await runScript();
    expect(down.get('boxfleet_singbox_up')).toBe(0);
    expect(down.get('boxfleet_clash_api_up')).toBe(0);
    await startSingbox();
  });

  it('counts 10 MB pushed through an inbound port with nftables', async () => {
    const key = (d: string) => `boxfleet_inbound_bytes_total{inbound="shadowsocks-8388",port="8388",direction="${d}"}`;
    const before = await runScript();
    expect(before.get(key('in'))).toBeGreaterThanOrEqual(0);
    await new Promise<void>((resolve, reject) => {
      const s = connect(8388, h1().ip);
      s.once('error', reject);
      s.once('close', () => resolve());
      s.on('data', () => undefined);
      s.end(Buffer.alloc(MB10, 7));
    });
    const after = await until('counted bytes', 10_000, async () => {
      const m = await runScript();
      return m.get(key('in'))! - before.get(key('in'))! >= MB10 ? m : undefined;
    });
    // The replies (ACKs) leave through the same port.
    expect(after.get(key('out'))!).toBeGreaterThan(before.get(key('out'))!);
    // Another inbound saw none of it: counters are per port.
    const other = 'boxfleet_inbound_bytes_total{inbound="vless-reality-443",port="443",direction="in"}';
    expect(after.get(other)! - before.get(other)!).toBeLessThan(MB10 / 10);
    // Running again keeps the table (and its counts).
    expect((await runScript()).get(key('in'))!).toBeGreaterThanOrEqual(after.get(key('in'))!);
  });

  it('counts established connections per inbound', async () => {
    const key = 'boxfleet_inbound_connections{inbound="vless-reality-443",port="443",proto="tcp"}';
    const N = 7;
    const socks: Socket[] = [];
    try {
      for (let i = 0; i < N; i++) {
        socks.push(await new Promise<Socket>((resolve, reject) => { const s = connect(443, h1().ip, () => resolve(s)); s.once('error', reject); }));
      }
      const m = await until(`${N} connections`, 10_000, async () => { const x = await runScript(); return x.get(key) === N ? x : undefined; });
      expect(m.get('boxfleet_inbound_connections{inbound="shadowsocks-8388",port="8388",proto="tcp"}')).toBe(0);
    } finally {
      socks.forEach((s) => s.destroy());
    }
    await until('0 connections', 10_000, async () => ((await runScript()).get(key) === 0 ? true : undefined));
  });

  it('reports drift when the live config is not the one the marker records', async () => {
    await h1().exec(['sh', '-c', 'cp /etc/sing-box/config.json /tmp/config.orig && echo " " >> /etc/sing-box/config.json'], { check: true });
    expect((await runScript()).get('boxfleet_config_drift')).toBe(1);
    await h1().exec(['sh', '-c', 'mv /tmp/config.orig /etc/sing-box/config.json'], { check: true });
    expect((await runScript()).get('boxfleet_config_drift')).toBe(0);
  });

  describe('end to end', () => {
    let tg: TelegramStandIn;
    let out: Rendered;
    let exporter = 0;
    const procs: Proc[] = [];
    let promUrl = '';
    let logDir = '';

    async function startExporter(): Promise<void> {
      const h = h1();
      exporter = await h.spawnServer(['/usr/bin/prometheus-node-exporter', `--web.listen-address=${h.ip}:9100`, '--collector.textfile.directory=/var/lib/prometheus/node-exporter']);
      expect(await waitForPort(h.ip, 9100, 15_000)).toBe(true);
    }

    beforeAll(async () => {
      tg = await startTelegramStandIn();
      const [pp, ap, bp] = [await freePort(), await freePort(), await freePort()];
      out = renderTo(fleet.fleet, {
        scrapeInterval: '1s', evaluationInterval: '1s', alertmanager: `127.0.0.1:${ap}`, blackbox: `127.0.0.1:${bp}`,
        groupWait: '1s', groupInterval: '1s', repeatCritical: '1h', repeatWarning: '1h', telegramApiUrl: tg.url,
      });
      logDir = mkdtempSync(join(tmpdir(), 'boxfleet-monlive-'));
      const amFile = join(out.dir, 'alertmanager/alertmanager.filled.yml');
      writeFileSync(amFile, fillYamlSecrets(out.read('alertmanager/alertmanager.yml'), { TELEGRAM_BOT_TOKEN: TOKEN }));
      await h1().exec(['/usr/local/sbin/boxfleet-metrics'], { check: true });
      await startExporter();
      procs.push(await startProc('blackbox', ['/usr/bin/prometheus-blackbox-exporter', `--config.file=${join(out.dir, 'blackbox/blackbox.yml')}`, `--web.listen-address=127.0.0.1:${bp}`], logDir));
      procs.push(await startProc('alertmanager', ['/usr/bin/prometheus-alertmanager', `--config.file=${amFile}`, `--storage.path=${logDir}/am`, `--web.listen-address=127.0.0.1:${ap}`, '--cluster.listen-address='], logDir));
      procs.push(await startProc('prometheus', ['/usr/bin/prometheus', `--config.file=${join(out.dir, 'prometheus/prometheus.yml')}`, `--storage.tsdb.path=${logDir}/tsdb`, `--web.listen-address=127.0.0.1:${pp}`, '--rules.alert.resend-delay=1s'], logDir));
      promUrl = `http://127.0.0.1:${pp}`;
    }, 60_000);

    afterAll(async () => {
      for (const p of procs.reverse()) await stopProc(p);
      await tg?.stop();
      out?.remove();
      if (logDir) rmSync(logDir, { recursive: true, force: true });
    }, 30_000);

    const query = async (expr: string): Promise<any[] | undefined> => {
      const r = await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return r.status === 'success' ? r.data.result : undefined;
    };

    it('scrapes the node and its probes; every dashboard query runs and every metric it names exists', async () => {
      const diag = () => procs.map((p) => `--- ${p.name}\n${logOf(p)}`).join('\n');
      await until(`node up in Prometheus\n${diag()}`, 60_000, async () => ((await query('up{job="node",node="edge-1"} == 1'))?.length === 1 ? true : undefined));
      await until('both probes succeeding', 60_000, async () => ((await query('probe_success{node="edge-1"} == 1'))?.length === 2 ? true : undefined));
      await until('script metrics and the limit series', 60_000, async () => ((await query('boxfleet_inbound_bytes_total{node="edge-1"} or boxfleet:node_bandwidth_limit_bits_per_second{node="edge-1"}'))?.length === 5 ? true : undefined));
      await until('per-user counters', 60_000, async () => ((await query('boxfleet_user_bytes_total{node="edge-1",user="alice"}'))?.length === 2 ? true : undefined));
      const names = new Set<string>((await getJson(`${promUrl}/api/v1/label/__name__/values`)).data);
      const exprs = dashboardExpressions(fleetDashboard('t')).map((e) => e.replaceAll('$node', '.*').replaceAll('$region', '.*'));
      for (const e of exprs) {
        const r = await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent(e)}`);
        expect(r.status, `${e}: ${JSON.stringify(r)}`).toBe('success');
        for (const name of e.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\{)/g) ?? []) expect(names, `${name} in ${e}`).toContain(name);
      }
      // Labels of a probe series: the inbound address only as instance.
      const probe = (await query('probe_success{inbound="shadowsocks-8388"}'))![0].metric;
      expect(probe).toEqual({ __name__: 'probe_success', instance: `${h1().ip}:8388`, job: 'blackbox', node: 'edge-1', region: 'europe', country: 'DE', inbound: 'shadowsocks-8388', type: 'shadowsocks' });
    }, 200_000);

    it('lets only the monitoring host reach node_exporter', async () => {
      expect(await tcpProbe(h1().ip, 9100, 3_000)).toBe('connected');
      const other = hosts().hosts[1]!;
      const r = await other.exec(['/usr/bin/python3', '-c', `import socket\ntry:\n socket.create_connection(("${h1().ip}", 9100), 2); print("connected")\nexcept Exception as e: print(type(e).__name__)`]);
      expect(r.stdout.trim()).toMatch(/timeout|TimeoutError/);
    });

    it('sends NodeDown to Telegram naming the node, not its address, and the resolution when it returns', async () => {
      const h = h1();
      const seen = tg.messages.length;
      await h.exec(['kill', String(exporter)], { check: true });
      const down = await tg.waitFor((m) => tg.messages.indexOf(m) >= seen && /\[FIRING:\d+\] edge-1/.test(m.text) && m.text.includes('<b>NodeDown</b>'), 90_000, 'NodeDown message');
      expect(down.token).toBe(TOKEN);
      expect(down.chat_id).toBe('-1001234567890');
      expect(down.parse_mode).toBe('HTML');
      expect(down.text).toContain('Node edge-1 is unreachable');
      expect(down.text).not.toContain(h.ip);
      const after = tg.messages.indexOf(down);
      await startExporter();
      const resolved = await tg.waitFor((m) => tg.messages.indexOf(m) > after && m.text.includes('<b>NodeDown</b> resolved'), 90_000, 'NodeDown resolved message');
      expect(resolved.text).toContain('edge-1');
      expect(resolved.text).not.toContain(h.ip);
      for (const m of tg.messages) expect(m.text).not.toContain(h.ip);
    }, 200_000);
  });
});
