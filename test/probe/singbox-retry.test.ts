// The probe's sing-box path against the real sing-box on both ends: a Shadowsocks 2022
// server (multi-user, as the node renders it) in a harness host, the probe's throw-away
// sing-box client on this side, and between them a TCP relay in this process that can
// close a tunnel after its request arrived, without a byte of answer. That is what the
// probe sees when sing-box's own 2022 client refuses a good answer as "bad request salt"
// (its request salt is stored after the write returns; seen on fast links under load),
// and what it sees when a node refuses the probe user. The first must not make a healthy
// node look refused; the second must still be a refusal, and a silent node costs one try.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEndpoint } from '../../scripts/probe/check.ts';
import { clientAddress, singboxFetch, type ClientAddress } from '../../scripts/probe/singbox.ts';
import type { ProbeTarget } from '../../scripts/probe/types.ts';
import { makeTestCa, useHosts, waitForPort } from '../harness/index.ts';
import { singboxBin } from '../tools/index.ts';
import { BODY, startHttp } from './fixture.ts';

/** The probe URL over TLS (the default probe URL is https): the race then hits the ServerHello. */
async function startHttps(ip: string, dir: string): Promise<{ server: Server; url: string; ca: string }> {
  const ca = makeTestCa(dir);
  const leaf = ca.issue([ip]);
  const server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    if (req.url === '/probe') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(BODY); } else { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  return { server, url: `https://${ip}:${(server.address() as { port: number }).port}/probe`, ca: ca.rootPem };
}

const closeServer = (s: { close(cb: () => void): unknown } | undefined): Promise<void> => new Promise((r) => (s ? s.close(() => r()) : r()));

type Mode = { drop: number } | 'silent';

/**
 * 127.0.0.1:port → to. A connection that sends nothing (the probe's TCP layer) is only
 * counted as opened; of those that send a request, the first `drop` are closed at once
 * ('silent': all are held open and never answered). `requests` counts the latter.
 */
async function startRelay(to: { host: string; port: number }): Promise<{ server: Server; port: number; requests: () => number; mode: (m: Mode) => void }> {
  let requests = 0;
  let mode: Mode = { drop: 0 };
  const server = createServer((client) => {
    client.on('error', () => {});
    client.once('data', (first) => {
      const n = ++requests;
      if (mode === 'silent') return;
      if (n <= mode.drop) { client.destroy(); return; }
      const up = new Socket();
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      up.connect(to.port, to.host, () => { up.write(first); client.pipe(up); up.pipe(client); });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, requests: () => requests, mode: (m) => { mode = m; requests = 0; } };
}

describe.each(['http', 'https'] as const)('probe through the sing-box client, %s probe URL: a tunnel closed without an answer', (scheme) => {
  const hosts = useHosts(1, { names: ['node'] });
  const method = '2022-blake3-aes-128-gcm';
  const serverKey = randomBytes(16).toString('base64');
  const userKey = randomBytes(16).toString('base64');
  let web: { server: { close(cb: () => void): unknown }; url: string; ca?: string } | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  let target: ProbeTarget;
  let dir = '';

  beforeAll(async () => {
    const f = hosts();
    const node = f.hosts[0]!;
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-retry-test-'));
    web = scheme === 'http' ? await startHttp(f.bridgeIp) : await startHttps(f.bridgeIp, dir);
    const config = {
      log: { level: 'warn' },
      inbounds: [{ type: 'shadowsocks', tag: 'shadowsocks-8388', listen: '0.0.0.0', listen_port: 8388, method, password: serverKey, users: [{ name: 'probe', password: userKey }], multiplex: { enabled: true } }],
      outbounds: [{ type: 'direct', tag: 'direct' }],
    };
    await node.put('/etc/boxfleet-test/ss.json', JSON.stringify(config), '0644');
    await node.put('/usr/local/bin/sing-box', readFileSync(singboxBin()), '0755');
    await node.spawnServer(['/usr/local/bin/sing-box', 'run', '-c', '/etc/boxfleet-test/ss.json']);
    expect(await waitForPort(node.ip, 8388, 10_000)).toBe(true);
    relay = await startRelay({ host: node.ip, port: 8388 });
    target = { node: 'n', region: 'test', maintenance: false, tag: 'shadowsocks-8388', type: 'shadowsocks', server: '127.0.0.1', port: relay.port, shadowsocks: { method, password: `${serverKey}:${userKey}` } } as unknown as ProbeTarget;
  }, 60_000);

  afterAll(async () => {
    await closeServer(relay?.server);
    await closeServer(web?.server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const probe = (timeoutMs = 5000) => checkEndpoint(target, { url: new URL(web!.url), timeoutMs, now: new Date(), singbox: { path: singboxBin() }, extraCa: web!.ca, expectBody: Buffer.from(BODY) });

  it('control: through the relay, the real client and server fetch the probe URL in one tunnel', async () => {
    relay!.mode({ drop: 0 });
    const r = await probe();
    expect(r, r.detail).toMatchObject({ deepest: 'proxy', ok: true, http_status: 200 });
    expect(relay!.requests()).toBe(1);
  }, 30_000);

  it('a tunnel closed once is tried again through the same client, and the node is healthy', async () => {
    relay!.mode({ drop: 1 });
    const r = await probe();
    expect(r, r.detail).toMatchObject({ deepest: 'proxy', ok: true, http_status: 200 });
    expect(relay!.requests()).toBe(2);
  }, 30_000);

  it('a node that closes every tunnel is auth-rejected-or-silent after exactly one more try', async () => {
    relay!.mode({ drop: 1000 });
    const r = await probe();
    expect(r).toMatchObject({ ok: false, error: 'auth-rejected-or-silent' });
    expect(relay!.requests()).toBe(2);
  }, 30_000);

  it('a client whose port another program took first is not believed: a new client on a new address', async () => {
    if (scheme !== 'http') return; // the stand-in below answers plain HTTP only
    // What holds the port: a proxy that opens any tunnel, slowly, and answers the GET with
    // the very body the probe expects (as another probe's client for a healthy node would).
    let foreignTunnels = 0;
    const foreign = createServer((c) => {
      c.on('error', () => {});
      c.once('data', () => {
        foreignTunnels++;
        setTimeout(() => {
          c.write('HTTP/1.1 200 Connection established\r\n\r\n');
          c.once('data', () => c.end(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`));
        }, 1000);
      });
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const taken = { host: '127.0.0.1', port: (foreign.address() as { port: number }).port };
    const chosen: ClientAddress[] = [];
    const addresses = [taken];
    relay!.mode({ drop: 0 });
    try {
      const r = await singboxFetch({ path: singboxBin() }, target, new URL(web!.url), 5000, web!.ca, async () => { const a = addresses.shift() ?? await clientAddress(); chosen.push(a); return a; });
      expect(r.status).toBe(200);
      expect(foreignTunnels).toBe(1); // asked first, and not believed: our client had exited
      expect(relay!.requests()).toBe(1); // the answer came through the node
      expect(chosen).toHaveLength(2);
      expect(chosen[1]!.host).toMatch(/^127\.\d+\.\d+\.\d+$/);
    } finally {
      await closeServer(foreign);
    }
  }, 30_000);

  it('a node that never answers costs one try, not two (a timeout is not retried)', async () => {
    relay!.mode('silent');
    const r = await probe(1500);
    expect(r).toMatchObject({ ok: false, error: 'auth-rejected-or-silent' });
    expect(r.detail).toMatch(/within 1500 ms|in time/);
    expect(relay!.requests()).toBe(1);
  }, 30_000);
});
