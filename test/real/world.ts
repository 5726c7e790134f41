// The interop world: one node that runs every inbound type, deployed by `fleet deploy`
// with the real sing-box; a client host where the users' apps run; a web server that
// stands for the internet at an address outside every private or special range either
// client family treats specially (198.19.0.0/16: not private, not mihomo's fake-ip
// 198.18.0.0/16); and the site a Reality inbound borrows, in a namespace of its own.
//
//   client ──► node ──► web (198.19.X.10)      the client has no route to the web:
//          │       └──► camo (Reality)          only a proxy that works gets there
//          └─► node2 (self-signed, optional) ──► web
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, startTlsSite, type Release, type TestCa, type TestHost, type TestHosts } from '../harness/index.ts';
import { makeTestFleet, markTestHost, sh, type TestFleet } from '../deploy/helpers.ts';
import { makeSelfSignedCertificate } from '../../scripts/core/certificate.ts';
import { mihomoBin, singboxBin } from '../tools/index.ts';

export const SERVER_NAME = 'n1.interop.test';
export const CAMO_NAME = 'camo.interop.test';
export const NOW = '2026-11-26T12:00:00Z';

/** Every inbound type, with both Shadowsocks-2022 methods and Hysteria2 with and without obfs. */
export const INBOUNDS = [
  { type: 'vless-reality', port: 443, handshake_server: CAMO_NAME, handshake_port: 443 },
  { type: 'vless-ws', port: 8443, path: '/vl' },
  { type: 'vmess-ws', port: 2053, path: '/vm' },
  { type: 'trojan', port: 8444 },
  { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-128-gcm' },
  { type: 'shadowsocks', port: 8389, method: '2022-blake3-aes-256-gcm' },
  { type: 'hysteria2', port: 443, obfs: true },
  { type: 'hysteria2', port: 8443, obfs: false },
  { type: 'tuic', port: 8444 },
  { type: 'anytls', port: 8445 },
] as const;

/** The self-signed node (a fifth host, where the suite starts one). */
export const PINNED_NAME = 'n2.interop.test';
export const PINNED_INBOUNDS = [{ type: 'trojan', port: 443 }, { type: 'hysteria2', port: 443 }] as const;

/** The web server: logs "source-address path" per request, answers /generate_204, pages and files. */
const WEB = String.raw`
import http.server, os, sys
LOG = open("/root/access.log", "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    # Keep-alive, as on the real internet: url tests send two requests on one connection.
    protocol_version = "HTTP/1.1"
    def answer(self, head_only):
        LOG.write("%s %s\n" % (self.client_address[0], self.path))
        if self.path == "/generate_204":
            self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers(); return
        if self.path.startswith("/rules/"):
            try: body = open("/root/rules/" + os.path.basename(self.path), "rb").read()
            except OSError:
                self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        else:
            body = ("boxfleet interop page " + self.path + "\n").encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        if not head_only: self.wfile.write(body)
    def do_GET(self):
        # /bytes/N: N bytes of payload (a download of known size, for the usage counters).
        if self.path.startswith("/bytes/"):
            n = int(self.path[len("/bytes/"):])
            LOG.write("%s %s\n" % (self.client_address[0], self.path))
            self.send_response(200); self.send_header("Content-Length", str(n)); self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[:min(n, 65536)]); n -= min(n, 65536)
            return
        self.answer(False)
    def do_POST(self):
        # An upload of known size: read the body, answer 204.
        n = int(self.headers.get("Content-Length", "0"))
        while n > 0:
            got = self.rfile.read(min(n, 65536))
            if not got: break
            n -= len(got)
        LOG.write("%s POST %s\n" % (self.client_address[0], self.path))
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def do_HEAD(self): self.answer(True)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer((sys.argv[1], 80), H)
srv.daemon_threads = True
srv.serve_forever()
`;

export interface World {
  hosts: TestHosts;
  node: TestHost;
  /** The self-signed node, when the suite started a fifth host. */
  pinned?: TestHost;
  client: TestHost;
  web: TestHost;
  camo: TestHost;
  webIp: string;
  ca: TestCa;
  tf: TestFleet;
  /** Lines "address path" the web server logged. */
  accessLog(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Rule-set files the cn-direct preset downloads: real formats, compiled by the real tools. */
function ruleSets(dir: string): Record<string, Buffer> {
  writeFileSync(join(dir, 'geosite.json'), JSON.stringify({ version: 3, rules: [{ domain_suffix: ['cn.interop.test'] }] }));
  writeFileSync(join(dir, 'geoip.json'), JSON.stringify({ version: 3, rules: [{ ip_cidr: ['198.51.100.0/24'] }] }));
  execFileSync(singboxBin(), ['rule-set', 'compile', join(dir, 'geosite.json'), '-o', join(dir, 'geosite-cn.srs')]);
  execFileSync(singboxBin(), ['rule-set', 'compile', join(dir, 'geoip.json'), '-o', join(dir, 'geoip-cn.srs')]);
  writeFileSync(join(dir, 'cn-domain.txt'), '+.cn.interop.test\n');
  writeFileSync(join(dir, 'cn-ip.txt'), '198.51.100.0/24\n');
  execFileSync(mihomoBin(), ['convert-ruleset', 'domain', 'text', join(dir, 'cn-domain.txt'), join(dir, 'cn-domain.mrs')], { stdio: 'ignore' });
  execFileSync(mihomoBin(), ['convert-ruleset', 'ipcidr', 'text', join(dir, 'cn-ip.txt'), join(dir, 'cn-ip.mrs')], { stdio: 'ignore' });
  return Object.fromEntries(['geosite-cn.srs', 'geoip-cn.srs', 'cn-domain.mrs', 'cn-ip.mrs'].map((f) => [f, readFileSync(join(dir, f))]));
}

/** Writes bytes to a file inside a host (TestHost.put). */
export async function put(h: TestHost, path: string, data: string | Buffer, mode = '0644'): Promise<void> {
  await h.put(path, data, mode);
}

/** The web server that stands for the internet, on `webIp` port 80 of `web`. */
export async function startWeb(web: TestHost, webIp: string): Promise<void> {
  await put(web, '/root/web.py', WEB);
  await web.spawnServer(['/usr/bin/python3', '/root/web.py', webIp]);
  await sh(web, `for i in $(seq 200); do ss -Hltn | grep -q "${webIp}:80 " && exit 0; sleep 0.05; done; exit 1`);
}

export interface WorldOptions {
  /** The release the node installs (default: a tarball of the pinned release build) … */
  release?: Release;
  /** … and fleet.yaml says `singbox.build: stats` (#18). */
  statsBuild?: boolean;
}

export async function buildWorld(hosts: TestHosts, routing: 'global' | 'cn-direct' = 'global', opts: WorldOptions = {}): Promise<World> {
  const [node, client, web, camo, pinned] = hosts.hosts as [TestHost, TestHost, TestHost, TestHost, TestHost | undefined];
  const x = hosts.subnet.base.split('.')[2];
  const webIp = `198.19.${x}.10`;
  const webUrl = `http://${webIp}`;
  const work = mkdtempSync(join(tmpdir(), 'boxfleet-world-'));
  const ca = makeTestCa(join(work, 'ca'));

  // The internet: only the node can reach it. sing-box's auto_detect_interface needs a
  // default route: the client's goes to the node, which forwards nothing (a namespace
  // starts with forwarding off; checked here), so the client cannot reach the web but
  // through a proxy. The node's own default route is on-link: only the run's hosts answer.
  await web.addAddress(`${webIp}/24`);
  await node.addRoute(`198.19.${x}.0/24`);
  await node.addRoute('default');
  if ((await sh(node, 'cat /proc/sys/net/ipv4/ip_forward')) !== '0') throw new Error('the node namespace forwards packets');
  await client.addRoute('default', node.ip);
  if (pinned) {
    await pinned.addRoute(`198.19.${x}.0/24`);
    await pinned.addRoute('default');
  }
  for (const [name, data] of Object.entries(ruleSets(work))) await put(web, `/root/rules/${name}`, data);
  await startWeb(web, webIp);

  // The borrowed site: TLS 1.3 with X25519, found by name through the node's /etc/hosts.
  const camoCert = ca.issue([CAMO_NAME]);
  await startTlsSite(camo, { host: camo.ip, port: 443, ...camoCert });
  await node.exec(['sh', '-c', `echo "${camo.ip} ${CAMO_NAME}" >> /etc/hosts`], { check: true });

  // The node's certificate, issued by the test CA, where its `files` TLS mode says.
  const leaf = ca.issue([SERVER_NAME, node.ip]);
  await put(node, '/etc/ssl/boxfleet/n1.crt', leaf.certPem);
  await put(node, '/etc/ssl/boxfleet/n1.key', leaf.keyPem, '0600');
  // Clients trust the test CA the way an app trusts a public one.
  await put(client, '/root/ca.pem', ca.rootPem);

  const tf = await makeTestFleet(hosts, {
    now: NOW,
    release: opts.release,
    node: (h, i, store) => {
      const base = { title: h.name.toUpperCase(), region: 'test', country: 'DE', arch: 'amd64', address: h.ip, ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [h.hostKey] } };
      if (i === 0) {
        return { name: 'n1', ...base, title: 'N1', inbounds: INBOUNDS,
          tls: { mode: 'files', server_name: SERVER_NAME, certificate_path: '/etc/ssl/boxfleet/n1.crt', key_path: '/etc/ssl/boxfleet/n1.key' } };
      }
      if (i !== 4) return undefined;
      // A self-signed node: its certificate is pinned in the profiles and it is left out of share links.
      const key = store.node('n2', 1).selfSignedKey.privateKeyPem;
      return { name: 'n2', ...base, title: 'N2', inbounds: PINNED_INBOUNDS,
        tls: { mode: 'self-signed', server_name: PINNED_NAME, certificate: makeSelfSignedCertificate({ privateKeyPem: key, serverName: PINNED_NAME, address: h.ip }) } };
    },
    users: [
      { name: 'alice', rev: 1 },
      { name: 'erin', rev: 1, expires: '2026-11-01' },
      { name: 'frank', rev: 1, enabled: false },
      { name: 'rita', rev: 2, rotated_at: '2026-11-26T00:00:00Z' },
      { name: 'rolf', rev: 2, rotated_at: '2026-11-26T00:00:00Z', revoked: true },
    ],
    settings: (f) => {
      f.deploy = { canary: 'n1', parallel: 1, max_fail_percent: 0 };
      f.users = { rotation_grace: '48h' };
      f.subscription = {
        ...f.subscription, routing,
        url_test: { url: `${webUrl}/generate_204`, interval: '3m', tolerance_ms: 50 },
        rule_sets: {
          'sing-box': { 'geosite-cn': `${webUrl}/rules/geosite-cn.srs`, 'geoip-cn': `${webUrl}/rules/geoip-cn.srs` },
          mihomo: { 'cn-domain': `${webUrl}/rules/cn-domain.mrs`, 'cn-ip': `${webUrl}/rules/cn-ip.mrs` },
        },
      };
      f.probe = { ...f.probe, url: `${webUrl}/probe` };
      f.site = { ...f.site, base_url: 'http://127.0.0.1:8080' };
      if (opts.statsBuild) f.singbox = { ...f.singbox, build: 'stats' };
    },
  });
  const id = ['--identity', hosts.clientKeyPath];
  for (const [h, name] of [[node, 'n1'], ...(pinned ? [[pinned, 'n2']] : [])] as [TestHost, string][]) {
    await markTestHost(h);
    const b = await tf.cli(['bootstrap', name, ...id]);
    if (b.code !== 0) throw new Error(`bootstrap ${name} failed:\n${b.out}\n${b.err}`);
  }
  const d = await tf.cli(['deploy', ...id]);
  if (d.code !== 0) throw new Error(`deploy failed:\n${d.out}\n${d.err}`);
  return {
    hosts, node, pinned, client, web, camo, webIp, ca, tf,
    async accessLog() {
      return (await sh(web, 'cat /root/access.log 2>/dev/null || true')).split('\n').filter(Boolean);
    },
    async cleanup() {
      await tf.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
