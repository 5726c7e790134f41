// Refusals by the real server, on the node `fleet deploy` set up: credentials of an
// expired user, a disabled user and a revoked rotation open nothing; after a routine
// rotation both old and new credentials work until the grace period ends, then only the
// new; the probe user reaches the probe URL and nothing else; no user reaches the node's
// loopback services or a web server on the node's private network. Each refusal has its
// control: the same client with working credentials, or the same target from the node.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../scripts/model/load.ts';
import { endpointsOf, probeIdentity, userIdentity, type Identity } from '../../scripts/render/endpoint.ts';
import { singboxOutbound } from '../../scripts/render/client/singbox/outbounds.ts';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { sh, TEST_SECRET } from '../deploy/helpers.ts';
import { useHosts } from '../harness/index.ts';
import { installClients, logTail } from './clients.ts';
import { buildWorld, INBOUNDS, NOW, put, type World } from './world.ts';
import { isAlive } from '../harness/index.ts';
import { singboxBin } from '../tools/index.ts';

const FIRST_PORT = 3001;

describe('refusals by the real sing-box server', () => {
  const hosts = useHosts(4, { names: ['node', 'client', 'web', 'camo'] });
  let w: World;
  let store: CredentialStore;
  let privateUrl: string;

  beforeAll(async () => {
    w = await buildWorld(hosts());
    await installClients(w.client);
    store = new CredentialStore(Buffer.from(TEST_SECRET), 1);
    // A web server on the node's private network (the camouflage host's bridge address).
    await w.camo.spawnServer(['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', w.camo.ip, '--directory', '/etc']);
    await sh(w.camo, `for i in $(seq 200); do ss -Hltn | grep -q "${w.camo.ip}:8080 " && exit 0; sleep 0.05; done; exit 1`);
    privateUrl = `http://${w.camo.ip}:8080/hostname`;
    // A second site on the internet host, on another port than the probe URL's.
    await w.web.spawnServer(['/usr/bin/python3', '-m', 'http.server', '8081', '--bind', w.webIp, '--directory', '/etc']);
    await sh(w.web, `for i in $(seq 200); do ss -Hltn | grep -q "${w.webIp}:8081 " && exit 0; sleep 0.05; done; exit 1`);
  }, 300_000);
  afterAll(async () => w?.cleanup());

  /**
   * One sing-box client holding one outbound per inbound of the node for `who`, each behind
   * its own local mixed port; returns, per inbound, whether GET url came back 200.
   */
  async function tryAll(who: Identity, url: string): Promise<Record<string, boolean>> {
    const fleet = loadFleet(w.tf.dir, new Date(NOW)).fleet!;
    const node = fleet.nodes.find((n) => n.name === 'n1')!;
    const eps = endpointsOf(node, store, who);
    expect(eps).toHaveLength(INBOUNDS.length);
    const cfg = {
      log: { level: 'warn' },
      inbounds: eps.map((_, i) => ({ type: 'mixed', tag: `in-${i}`, listen: '127.0.0.1', listen_port: FIRST_PORT + i })),
      outbounds: eps.map((ep, i) => ({ ...singboxOutbound(ep), tag: `out-${i}` })),
      route: { rules: eps.map((_, i) => ({ inbound: [`in-${i}`], outbound: `out-${i}` })) },
    };
    await put(w.client, '/root/refusal-client.json', JSON.stringify(cfg));
    const pid = await w.client.spawnServer(['/usr/local/bin/sing-box', 'run', '-c', '/root/refusal-client.json'], { env: { SSL_CERT_FILE: '/root/ca.pem' } });
    try {
      await sh(w.client, `for i in $(seq 200); do [ $(ss -Hltn | grep -c "127.0.0.1:30") -ge ${eps.length} ] && exit 0; sleep 0.05; done; exit 1`);
      // A failed GET is tried once more, as an app would (a first connection right after
      // start-up can lose a race); a refusal fails both times.
      const get = async (i: number): Promise<boolean> => {
        const r = await w.client.exec(['curl', '-sS', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', '-x', `socks5h://127.0.0.1:${FIRST_PORT + i}`, url], { timeoutMs: 15_000 });
        return r.code === 0 && r.stdout === '200';
      };
      const results = await Promise.all(eps.map(async (ep, i) => [ep.label, (await get(i)) || (await get(i))] as const));
      return Object.fromEntries(results);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await logTail(w.client, pid)}`);
    } finally {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
  }

  const all = (v: boolean) => Object.fromEntries(readLabels().map((l) => [l, v]));
  let labels: string[] = [];
  const readLabels = () => labels;
  const page = (name: string) => `http://${w.webIp}/refusals/${name}`;

  it('control: a current user reaches the web through every inbound', async () => {
    const r = await tryAll(userIdentity(store, 'alice', 1), page('alice'));
    labels = Object.keys(r);
    expect(r).toEqual(all(true));
    expect((await w.accessLog()).filter((l) => l.endsWith(' /refusals/alice')).every((l) => l.startsWith(`${w.node.ip} `))).toBe(true);
  });

  it('an expired user, a disabled user and a revoked rotation\'s old credentials open nothing', async () => {
    for (const [name, rev] of [['erin', 1], ['frank', 1], ['rolf', 1]] as const) {
      expect(await tryAll(userIdentity(store, name, rev), page(`${name}-${rev}`)), `${name} rev ${rev}`).toEqual(all(false));
    }
    // The revoked user's new credentials work: the refusal is the rotation's, not the user's.
    expect(await tryAll(userIdentity(store, 'rolf', 2), page('rolf-2'))).toEqual(all(true));
    const log = await w.accessLog();
    for (const p of ['erin-1', 'frank-1', 'rolf-1']) expect(log.filter((l) => l.endsWith(`/refusals/${p}`))).toEqual([]);
  });

  it('a routine rotation: old and new credentials both work in the grace period, only the new after it', async () => {
    expect(await tryAll(userIdentity(store, 'rita', 1), page('rita-1-grace'))).toEqual(all(true));
    expect(await tryAll(userIdentity(store, 'rita', 2), page('rita-2-grace'))).toEqual(all(true));
    // Three days later (grace is 48 h), the next deploy drops the old credentials.
    const d = await w.tf.cli(['deploy', '--identity', w.hosts.clientKeyPath, '--now', '2026-11-29T12:00:00Z']);
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toContain('1 deployed');
    expect(await tryAll(userIdentity(store, 'rita', 1), page('rita-1-after'))).toEqual(all(false));
    expect(await tryAll(userIdentity(store, 'rita', 2), page('rita-2-after'))).toEqual(all(true));
  });

  it('the probe user reaches the probe URL\'s host and port and nothing else', async () => {
    const probe = probeIdentity(store, 1, 'boxfleet-probe');
    expect(await tryAll(probe, `http://${w.webIp}/probe`)).toEqual(all(true));
    // Another port of the same host: a user reaches it, the probe user does not.
    const other = `http://${w.webIp}:8081/hostname`;
    expect(await tryAll(userIdentity(store, 'alice', 1), other)).toEqual(all(true));
    expect(await tryAll(probe, other)).toEqual(all(false));
    expect(await tryAll(probe, privateUrl)).toEqual(all(false));
  });

  it('fleet probe: every inbound is healthy at the proxy layer of the real server, by its own client or the real sing-box', async () => {
    const env = { BOXFLEET_SINGBOX: singboxBin(), SSL_CERT_FILE: w.ca.rootPath, BOXFLEET_PROBE_CA_FILE: w.ca.rootPath };
    // The probe judges certificates by its clock: today's, as the test CA issued them today.
    const r = await w.tf.cli(['probe', '--format', 'json', '--timeout', '5s', '--now', new Date().toISOString()], env);
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(r.out) as { nodes: { node: string; state: string; endpoints: { tag: string; deepest: string; ok: boolean; http_status?: number; cert_days_left?: number; error?: string; detail?: string }[] }[] };
    const n1 = run.nodes.find((n) => n.node === 'n1')!;
    expect(n1.endpoints.filter((e) => !e.ok || e.deepest !== 'proxy').map((e) => `${e.tag}: ${e.error} ${e.detail}`)).toEqual([]);
    expect(n1.endpoints).toHaveLength(INBOUNDS.length);
    expect(n1.state).toBe('up');
    // The TLS layer read the test CA's certificate (2 days) on the TLS inbounds.
    expect(n1.endpoints.find((e) => e.tag === 'trojan-8444')!.cert_days_left).toBeGreaterThanOrEqual(1);
    const probed = (await w.accessLog()).filter((l) => l.endsWith(' /probe'));
    expect(probed.length).toBeGreaterThanOrEqual(INBOUNDS.length);
  });

  it('fleet probe: a wrong probe credential is classified on every inbound, not mistaken for a dead node', async () => {
    // probe.rev bumped in fleet.yaml but not deployed: the probe holds credentials the node does not know.
    w.tf.edit('fleet.yaml', (f) => void (f.probe.rev = 2));
    try {
      const env = { BOXFLEET_SINGBOX: singboxBin(), SSL_CERT_FILE: w.ca.rootPath, BOXFLEET_PROBE_CA_FILE: w.ca.rootPath };
      const r = await w.tf.cli(['probe', '--format', 'json', '--timeout', '3s', '--now', new Date().toISOString()], env);
      expect(r.code, r.err).toBe(0);
      const run = JSON.parse(r.out) as { nodes: { node: string; endpoints: { tag: string; deepest: string; ok: boolean; error?: string }[] }[] };
      const eps = run.nodes.find((n) => n.node === 'n1')!.endpoints;
      expect(eps.filter((e) => e.ok).map((e) => e.tag)).toEqual([]);
      for (const e of eps) expect(`${e.tag} ${e.error}`).toBe(`${e.tag} auth-rejected-or-silent`);
    } finally {
      w.tf.edit('fleet.yaml', (f) => void (f.probe.rev = 1));
    }
  });

  it('no user reaches the node\'s loopback services or its private network', async () => {
    const alice = userIdentity(store, 'alice', 1);
    // Controls: both targets answer when asked from the node itself.
    expect(await sh(w.node, `curl -s -o /dev/null -w '%{http_code}' -m 5 ${privateUrl}`)).toBe('200');
    expect(await sh(w.node, `curl -s -o /dev/null -w '%{http_code}' -m 5 http://127.0.0.1:9090/`)).toMatch(/^[2-4]\d\d$/);
    expect(await tryAll(alice, privateUrl)).toEqual(all(false));
    expect(await tryAll(alice, 'http://127.0.0.1:9090/')).toEqual(all(false));
  });
});
