// The probe suites' world: a fleet on harness hosts whose nodes are real Debian servers
// (v2ray 4.34, trojan-gfw) configured with the probe user's derived credentials, and a
// local HTTP server on the bridge address that the fleet's probe URL points at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { TestHost } from '../harness/index.ts';
import { CredentialStore, DEMO_SECRET } from '../../scripts/secrets/index.ts';
import type { TestCerts, Pair } from './certs.ts';

export const SNI = 'proxy.test';
export const BODY = 'boxfleet probe body 7f3a\n';
export const PROBE_REV = 1;
export const SECRET = Buffer.from(DEMO_SECRET, 'utf8');
export const EPOCH = 1;

export function probeCreds(): { uuid: string; password: string } {
  const c = new CredentialStore(SECRET, EPOCH).probe(PROBE_REV);
  return { uuid: c.uuid, password: c.password };
}

/** Serves BODY at /probe on the bridge address; resolves with the server and its URL. */
export async function startHttp(bridgeIp: string): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url === '/probe') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(BODY); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, bridgeIp, r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://${bridgeIp}:${port}/probe`, hits: () => hits };
}

async function put(host: TestHost, path: string, text: string): Promise<void> {
  await host.exec(['sh', '-c', `mkdir -p "$(dirname '${path}')" && cat > '${path}'`], { input: text, check: true });
}

const tlsOf = (p: Pair): unknown => ({ certificates: [{ certificate: p.cert.trim().split('\n'), key: p.key.trim().split('\n') }] });

/** v2ray 4.34 with Trojan, VLESS-WS and VMess-WS (good cert) plus Trojan with bad certs. */
export async function startV2ray(host: TestHost, certs: TestCerts, ports: { trojan: number; vless: number; vmess: number; expired?: number; wrongName?: number; ssListener?: number }): Promise<number> {
  const { uuid, password } = probeCreds();
  const tls = (p: Pair): unknown => ({ security: 'tls', tlsSettings: tlsOf(p) });
  const trojan = (port: number, p: Pair): unknown => ({ port, protocol: 'trojan', settings: { clients: [{ password }] }, streamSettings: { network: 'tcp', ...tls(p) as object } });
  const inbounds: unknown[] = [
    trojan(ports.trojan, certs.good),
    { port: ports.vless, protocol: 'vless', settings: { clients: [{ id: uuid }], decryption: 'none' }, streamSettings: { network: 'ws', wsSettings: { path: '/vl' }, ...tls(certs.good) as object } },
    { port: ports.vmess, protocol: 'vmess', settings: { clients: [{ id: uuid, alterId: 0 }] }, streamSettings: { network: 'ws', wsSettings: { path: '/vm' }, ...tls(certs.good) as object } },
  ];
  // Only so the Shadowsocks 2022 inbound's TCP layer has a listener (no SS2022 server here).
  if (ports.ssListener) inbounds.push({ port: ports.ssListener, protocol: 'shadowsocks', settings: { method: 'aes-128-gcm', password: 'only-a-listener' } });
  if (ports.expired) inbounds.push(trojan(ports.expired, certs.expired));
  if (ports.wrongName) inbounds.push(trojan(ports.wrongName, certs.wrongName));
  const config = { log: { loglevel: 'warning' }, inbounds, outbounds: [{ protocol: 'freedom' }] };
  await put(host, '/etc/boxfleet-test/v2ray.json', JSON.stringify(config));
  return host.spawnServer(['/usr/bin/v2ray', '-config', '/etc/boxfleet-test/v2ray.json']);
}

/** trojan-gfw with the self-signed (pinned) certificate. */
export async function startTrojanGfw(host: TestHost, certs: TestCerts, port: number): Promise<number> {
  const { password } = probeCreds();
  await put(host, '/etc/boxfleet-test/tg.pem', certs.selfSigned.cert);
  await put(host, '/etc/boxfleet-test/tg.key', certs.selfSigned.key);
  const config = {
    run_type: 'server', local_addr: '0.0.0.0', local_port: port, remote_addr: '127.0.0.1', remote_port: 9, password: [password],
    log_level: 2, ssl: { cert: '/etc/boxfleet-test/tg.pem', key: '/etc/boxfleet-test/tg.key', key_password: '', alpn: ['http/1.1'] },
  };
  await put(host, '/etc/boxfleet-test/trojan.json', JSON.stringify(config));
  return host.spawnServer(['/usr/bin/trojan', '-c', '/etc/boxfleet-test/trojan.json']);
}

export interface FleetHosts { v2: TestHost; tg: TestHost; dark: TestHost }

const FLEET_YAML = (url: string, showAddresses: boolean): string => `name: probe-test
epoch: ${EPOCH}
site: { base_url: https://sub.example.com, host: github-pages, language: en }
singbox: { version: 1.12.24 }
users: { rotation_grace: 48h }
subscription:
  update_interval_hours: 12
  url_test: { url: "https://www.gstatic.com/generate_204", interval: 3m, tolerance_ms: 50 }
  routing: global
  down_nodes: demote
deploy: { parallel: 4, max_fail_percent: 34 }
probe:
  url: "${url}"
  interval: 15m
  timeout: 2s
  rev: ${PROBE_REV}
  status_branch: fleet-status
  vantages:
    - { name: ci, region: us }
    - { name: home-cn, region: cn, self_hosted: true }
  incident: { open_after: 30m, close_after: 30m, max_new_issues_per_run: 5 }
alerts:
  github_labels: [incident]
  show_addresses: ${showAddresses}
  thresholds: { cpu_percent: 90, memory_percent: 90, disk_percent: 90, bandwidth_percent: 80, connections: 5000, for: 5m }
`;

function node(name: string, address: string, tls: string, inbounds: string): string {
  return `name: ${name}\ntitle: ${name}\nregion: test\ncountry: DE\nrev: 1\narch: amd64\naddress: ${address}\n` +
    `ssh: { port: 22, user: root, bootstrap_user: root, host_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvc2JN1zrzvI7MAFf9n2CJrvHljMpdlc6BZvt+9jVq9"] }\n` +
    `${tls}\ninbounds:\n${inbounds}`;
}

const FILES_TLS = `tls: { mode: files, server_name: ${SNI}, certificate_path: /etc/c.pem, key_path: /etc/c.key }`;

/** Writes the test fleet; returns its root. Node/inbound layout is what the suites assert on. */
export function writeFleet(dir: string, url: string, h: FleetHosts, certs: TestCerts, opts: { showAddresses?: boolean } = {}): string {
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'users'), { recursive: true });
  writeFileSync(join(dir, 'fleet.yaml'), FLEET_YAML(url, opts.showAddresses ?? false));
  writeFileSync(join(dir, 'nodes', 'v2.yaml'), node('v2', h.v2.ip, FILES_TLS,
    '  - { type: trojan, port: 8443 }\n  - { type: vless-ws, port: 8444, path: /vl }\n  - { type: vmess-ws, port: 8445, path: /vm }\n' +
    '  - { type: shadowsocks, port: 8446, method: 2022-blake3-aes-128-gcm }\n  - { type: hysteria2, port: 443, obfs: false }\n'));
  const pem = certs.selfSigned.cert.trim().split('\n').map((l) => `    ${l}`).join('\n');
  writeFileSync(join(dir, 'nodes', 'tg.yaml'), node('tg', h.tg.ip, `tls:\n  mode: self-signed\n  server_name: ${SNI}\n  certificate: |\n${pem}`,
    '  - { type: trojan, port: 443 }\n  - { type: trojan, port: 9443 }\n'));
  writeFileSync(join(dir, 'nodes', 'badtls.yaml'), node('badtls', h.v2.ip, FILES_TLS, '  - { type: trojan, port: 7443 }\n  - { type: trojan, port: 7444 }\n'));
  writeFileSync(join(dir, 'nodes', 'dark.yaml'), node('dark', h.dark.ip, FILES_TLS, '  - { type: trojan, port: 443 }\n  - { type: vless-ws, port: 8444, path: /vl }\n  - { type: vmess-ws, port: 8445, path: /vm }\n'));
  writeFileSync(join(dir, 'users', 'alice.yaml'), 'name: alice\n');
  return dir;
}
