// ACME for real: Pebble (Let's Encrypt's test CA) and pebble-challtestsrv as its DNS, in a
// namespace of their own; a node with `tls.mode: acme` and `acme.provider` pointing at
// Pebble gets its certificate from sing-box's own ACME client, by HTTP-01 and by
// TLS-ALPN-01; two inbounds that share the name serve the same certificate; the served
// chain verifies against the root from Pebble's management API; the probe reports the
// days it has left.
import { connect } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, type TestHost } from '../harness/index.ts';
import { makeTestFleet, markTestHost, sh, type TestFleet } from '../deploy/helpers.ts';
import { PEBBLE_DIRECTORY, startPebble, trustPebble } from '../harness/index.ts';

const EMAIL = 'ops@acme.test';

/** The certificate node:port serves for `name`, verified against `root`; undefined until then. */
function servedCert(host: string, port: number, name: string, root: string): Promise<{ fingerprint: string; issuer: string; daysLeft: number } | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host, port, servername: name, ca: root, timeout: 3000 }, () => {
      const c = s.getPeerCertificate();
      s.destroy();
      resolve({ fingerprint: c.fingerprint256, issuer: String(c.issuer.CN ?? ''), daysLeft: (Date.parse(c.valid_to) - Date.now()) / 86_400_000 });
    });
    s.once('error', () => { s.destroy(); resolve(undefined); });
    s.once('timeout', () => { s.destroy(); resolve(undefined); });
  });
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 1000; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('ACME with Pebble and the real sing-box', () => {
  const hosts = useHosts(2, { names: ['node', 'ca'] });
  let node: TestHost;
  let ca: TestHost;
  let tf: TestFleet;
  let root: string;
  let rootFile: string;

  beforeAll(async () => {
    [node, ca] = hosts().hosts as [TestHost, TestHost];
    // The CA host: challtestsrv answers every A query with the node's address.
    ({ root } = await startPebble(ca, node.ip));
    await trustPebble(node, ca);

    tf = await makeTestFleet(hosts(), {
      node: (h, i) => (i !== 0 ? undefined : {
        name: 'n1', title: 'N1', region: 'test', country: 'DE', arch: 'amd64', address: h.ip,
        ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [h.hostKey] },
        tls: { mode: 'acme', server_name: 'n1.acme.test', acme: { email: EMAIL, challenge: 'http-01', provider: PEBBLE_DIRECTORY } },
        // Two TLS inbounds share the node's name (and so one certificate); Hysteria2 too, over UDP.
        inbounds: [{ type: 'trojan', port: 443 }, { type: 'vless-ws', port: 8443, path: '/vl' }, { type: 'hysteria2', port: 443 }],
      }),
      users: [{ name: 'alice', rev: 1 }],
      settings: (f) => void (f.deploy = { canary: 'n1', parallel: 1, max_fail_percent: 0 }),
    });
    await markTestHost(node);
    const b = await tf.cli(['bootstrap', 'n1', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
    rootFile = join(tf.dir, 'pebble-root.pem');
    writeFileSync(rootFile, root);
  }, 300_000);
  afterAll(async () => tf?.cleanup());

  it('HTTP-01: deploy, then both TCP inbounds serve one certificate from Pebble that verifies against its root', async () => {
    const d = await tf.cli(['deploy', '--identity', hosts().clientKeyPath]);
    expect(d.code, d.out + d.err).toBe(0);
    const a = await until('a certificate on 443', 60_000, () => servedCert(node.ip, 443, 'n1.acme.test', root));
    const b = await until('a certificate on 8443', 60_000, () => servedCert(node.ip, 8443, 'n1.acme.test', root));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.issuer).toMatch(/Pebble Intermediate/);
    expect(a.daysLeft).toBeGreaterThan(80);
    // Issued through the HTTP-01 port the node's firewall opened for it.
    expect(await sh(node, 'nft list table inet boxfleet')).toMatch(/tcp dport \{[^}]*\b80\b/);
  });

  it('the probe\'s TLS layer reports the days the certificate has left', async () => {
    const r = await tf.cli(['probe', '--format', 'json', '--timeout', '2s', '--now', new Date().toISOString()], { BOXFLEET_PROBE_CA_FILE: rootFile });
    expect(r.code, r.err).toBe(0);
    const eps = (JSON.parse(r.out) as { nodes: { node: string; endpoints: { tag: string; deepest: string; cert_days_left?: number }[] }[] }).nodes[0]!.endpoints;
    const trojan = eps.find((e) => e.tag === 'trojan-443')!;
    expect(trojan.deepest === 'tls' || trojan.deepest === 'proxy').toBe(true);
    expect(trojan.cert_days_left).toBeGreaterThanOrEqual(89);
    expect(trojan.cert_days_left).toBeLessThanOrEqual(90);
  });

  it('TLS-ALPN-01: a new name on the same node is issued through the inbound on 443', async () => {
    tf.edit('nodes/n1.yaml', (n) => { n.tls.server_name = 'n1-alpn.acme.test'; n.tls.acme.challenge = 'tls-alpn-01'; });
    const d = await tf.cli(['deploy', '--identity', hosts().clientKeyPath]);
    expect(d.code, d.out + d.err).toBe(0);
    const c = await until('a certificate for the new name', 60_000, () => servedCert(node.ip, 443, 'n1-alpn.acme.test', root));
    expect(c.issuer).toMatch(/Pebble Intermediate/);
  });
});
