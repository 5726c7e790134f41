// Rendered configs on real software: Debian's v2ray 4.34 runs as the node (inbounds
// translated from renderNodeConfig's Trojan, VLESS-WS and VMess-WS) and as the client
// (outbounds translated from each user's rendered sing-box profile, certificate pinned,
// never insecure). A page from the test's own HTTP server must come through for current
// credentials, for previous ones during a routine rotation's grace period, and must not
// for credentials revoked by a rev bump with `revoked: true`. Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../../scripts/model/load.ts';
import type { Fleet } from '../../../scripts/model/types.ts';
import { CredentialStore } from '../../../scripts/secrets/index.ts';
import { renderProfiles } from '../../../scripts/render/client/index.ts';
import { renderNodeConfig } from '../../../scripts/render/server/index.ts';
import { waitForPort } from '../../harness/tcp.ts';
import { editedSource, FRANKFURT_CERT, NOW, TEST_SECRET } from '../client/fixture.ts';
import { freePort, NODE, writeTestFleet } from './fleet.ts';
import { httpGetViaSocks } from './socks.ts';
import { v2rayInbound, v2rayOutbound } from './translate.ts';

const V2RAY = '/usr/bin/v2ray';
const BODY = `interop-ok-${process.pid}`;
const PROTOCOLS = ['Trojan', 'VLESS-WS', 'VMess-WS'] as const;
const HOUR_AGO = new Date(NOW.getTime() - 3600_000).toISOString().replace('.000Z', 'Z');
const USERS = {
  alice: { enabled: true, rev: 1 },
  // Routine rotation an hour ago: rev 1 still works (grace 48h).
  gina: { enabled: true, rev: 2, rotated_at: HOUR_AGO, revoked: false },
  // Leaked link: rotated with revoked: true, rev 1 must stop working at once.
  rita: { enabled: true, rev: 2, rotated_at: HOUR_AGO, revoked: true },
};
/** Which profile a case uses: [user, rev of the credentials in the client's hands]. */
const CASES: { user: keyof typeof USERS; rev: number; works: boolean }[] = [
  { user: 'alice', rev: 1, works: true },
  { user: 'gina', rev: 2, works: true },
  { user: 'gina', rev: 1, works: true },
  { user: 'rita', rev: 2, works: true },
  { user: 'rita', rev: 1, works: false },
];

const procs: ChildProcess[] = [];
const logs = new Map<ChildProcess, string>();
let dir = '';
let http: Server | undefined;
let httpPort = 0;
const socksPorts = new Map<string, number>();

function load(root: string, edits: Record<string, (d: any) => void> = {}): Fleet {
  const r = loadFleet(root, NOW, editedSource(root, edits));
  if (!r.fleet) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.fleet;
}

async function startV2ray(name: string, config: unknown, ports: number[]): Promise<void> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const p = spawn(V2RAY, ['-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  logs.set(p, '');
  const keep = (b: Buffer) => logs.set(p, (logs.get(p)! + b.toString()).slice(-4000));
  p.stdout!.on('data', keep);
  p.stderr!.on('data', keep);
  for (const port of ports) {
    if (!(await waitForPort('127.0.0.1', port, 5_000, () => p.exitCode !== null))) {
      throw new Error(`${name}: port ${port} not up; log:\n${logs.get(p)}`);
    }
  }
}

const WRONG_PIN = 'alice@1/Trojan, pinned to another certificate';
const caseKey = (c: { user: string; rev: number }, proto: string) => `${c.user}@${c.rev}/${proto}`;

describe('v2ray 4.34 against rendered server configs and client profiles', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bf-interop-'));
    const ports = { trojan: await freePort(), vlessWs: await freePort(), vmessWs: await freePort() };
    const files = writeTestFleet(dir, ports, USERS);
    const fleet = load(dir);
    const store = new CredentialStore(TEST_SECRET, fleet.settings.epoch);
    const node = fleet.nodes.find((n) => n.name === NODE)!;

    // The node, from the rendered server config.
    const server: any = renderNodeConfig(fleet, node, store, NOW);
    const inbounds = server.inbounds.map((ib: any) => v2rayInbound(ib, { certificateFile: files.certFile, keyFile: files.keyFile }));
    expect(inbounds).toHaveLength(3);
    await startV2ray('server', { log: { loglevel: 'warning' }, inbounds, outbounds: [{ protocol: 'freedom', tag: 'out' }] }, Object.values(ports));

    // The clients, from each case's rendered sing-box profile (rev 1 of gina/rita = the
    // profile rendered before their rotation, i.e. what their apps still hold).
    const cInbounds: unknown[] = [];
    // First outbound is the default: blackhole, so nothing can reach the page unproxied.
    const cOutbounds: unknown[] = [{ protocol: 'blackhole', tag: 'nowhere' }];
    const rules: unknown[] = [];
    for (const c of CASES) {
      const f = c.rev === USERS[c.user].rev ? fleet : load(dir, { [`users/${c.user}.yaml`]: (d) => { d.rev = c.rev; delete d.rotated_at; d.revoked = false; } });
      const profile = JSON.parse(renderProfiles(f, f.users.find((u) => u.name === c.user)!, store, NOW)!['sing-box.json']);
      for (const proto of PROTOCOLS) {
        const key = caseKey(c, proto);
        const ob = profile.outbounds.find((o: any) => o.tag === `Local 1 · ${proto}`);
        expect(ob, key).toBeDefined();
        const port = await freePort();
        socksPorts.set(key, port);
        cInbounds.push({ tag: `in ${key}`, listen: '127.0.0.1', port, protocol: 'socks', settings: { auth: 'noauth', udp: false } });
        cOutbounds.push(v2rayOutbound(ob, `out ${key}`));
        rules.push({ type: 'field', inboundTag: [`in ${key}`], outboundTag: `out ${key}` });
      }
    }
    // Control: the same Trojan outbound pinned to another certificate must fail, which
    // shows the client really verifies against the pin.
    const alice = JSON.parse(renderProfiles(fleet, fleet.users.find((u) => u.name === 'alice')!, store, NOW)!['sing-box.json']);
    const wrong = structuredClone(alice.outbounds.find((o: any) => o.tag === 'Local 1 · Trojan'));
    wrong.tls.certificate = FRANKFURT_CERT.trim().split('\n');
    socksPorts.set(WRONG_PIN, await freePort());
    cInbounds.push({ tag: `in ${WRONG_PIN}`, listen: '127.0.0.1', port: socksPorts.get(WRONG_PIN), protocol: 'socks', settings: { auth: 'noauth', udp: false } });
    cOutbounds.push(v2rayOutbound(wrong, `out ${WRONG_PIN}`));
    rules.push({ type: 'field', inboundTag: [`in ${WRONG_PIN}`], outboundTag: `out ${WRONG_PIN}` });
    await startV2ray('client', { log: { loglevel: 'warning' }, inbounds: cInbounds, outbounds: cOutbounds, routing: { domainStrategy: 'AsIs', rules } }, [...socksPorts.values()]);

    http = createServer((_, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(BODY) }); res.end(BODY); });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) {
      if (p.pid !== undefined && p.exitCode === null) {
        p.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { p.kill('SIGKILL'); resolve(); }, 2_000);
          p.once('exit', () => { clearTimeout(t); resolve(); });
        });
      }
    }
    if (http) await new Promise<void>((resolve) => http!.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const refused = (key: string) => httpGetViaSocks(socksPorts.get(key)!, '127.0.0.1', httpPort, '/', 3_000)
    .then((b) => b, (e: Error) => `refused: ${e.message}`);

  it(`${WRONG_PIN}: the TLS handshake fails`, async () => {
    const got = await refused(WRONG_PIN);
    expect(got).toMatch(/^refused: /);
    expect(got).not.toContain(BODY);
  });

  for (const c of CASES) {
    for (const proto of PROTOCOLS) {
      const key = caseKey(c, proto);
      if (c.works) {
        it(`${key}: the page comes through`, async () => {
          const body = await httpGetViaSocks(socksPorts.get(key)!, '127.0.0.1', httpPort, '/', 8_000);
          expect(body).toBe(BODY);
        });
      } else {
        it(`${key}: revoked credentials are refused`, async () => {
          // v2ray drains a failed authentication instead of closing: a short bound is the test.
          const got = await refused(key);
          expect(got).toMatch(/^refused: /);
          expect(got).not.toContain(BODY);
        });
      }
    }
  }
});
