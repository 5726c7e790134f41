// The probe against real protocol peers in harness hosts: v2ray 4.34 (Trojan, VLESS-WS,
// VMess-WS) and trojan-gfw, configured with the probe user's derived credentials; a local
// HTTP server is the probe URL. Asserts classes and counts, never wall-clock.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, waitForPort } from '../harness/index.ts';
import { cli } from './cli.ts';
import { checkEndpoint } from '../../scripts/probe/check.ts';
import { readManifest } from '../../scripts/probe/manifest.ts';
import { tcpConnect, type ConnectFn } from '../../scripts/probe/net.ts';
import { probeAll } from '../../scripts/probe/scheduler.ts';
import type { EndpointResult, ProbeRun, ProbeTarget } from '../../scripts/probe/types.ts';
import { validateStatus } from '../../scripts/status/validate.ts';
import { DEMO_SECRET } from '../../scripts/secrets/index.ts';
import { makeCerts, type TestCerts } from './certs.ts';
import { BODY, SNI, startHttp, startTrojanGfw, startV2ray, writeFleet } from './fixture.ts';

const byTag = (run: ProbeRun): Record<string, EndpointResult> =>
  Object.fromEntries(run.nodes.flatMap((n) => n.endpoints.map((e) => [`${n.node}/${e.tag}`, e])));

describe('fleet probe against real peers', () => {
  const fleet = useHosts(3, { names: ['v2', 'tg', 'dark'] });
  let dir = '';
  let certs: TestCerts;
  let http: { server: Server; url: string; hits: () => number };
  let root = '';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const f = fleet();
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-probe-test-'));
    certs = makeCerts(dir, SNI);
    writeFileSync(join(dir, 'ca.pem'), certs.ca);
    http = await startHttp(f.bridgeIp);
    const [v2, tg, dark] = f.hosts as [typeof f.hosts[0], typeof f.hosts[0], typeof f.hosts[0]];
    await startV2ray(v2, certs, { trojan: 8443, vless: 8444, vmess: 8445, ssListener: 8446, expired: 7443, wrongName: 7444 });
    await startTrojanGfw(tg, certs, 443);
    for (const [h, p] of [[v2, 8443], [v2, 8444], [v2, 8445], [v2, 8446], [v2, 7443], [v2, 7444], [tg, 443]] as const) {
      expect(await waitForPort(h.ip, p, 10_000), `${h.name}:${p}`).toBe(true);
    }
    await dark.blackhole();
    root = writeFleet(join(dir, 'fleet'), http.url, { v2, tg, dark }, certs);
    // No FLEET_SECRET: the probe uses the demo secret, which the peers were configured from.
    env = { PATH: '/usr/bin:/bin', BOXFLEET_PROBE_CA_FILE: join(dir, 'ca.pem') };
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => http?.server.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let first: ProbeRun;

  it('classifies every endpoint: proxied fetches, refused, TLS errors, a black-holed host, not-probed', async () => {
    const out = join(dir, 'run.json');
    const r = await cli(['probe', '--root', root, '--now', new Date().toISOString(), '--vantage', 'ci', '--out', out, '--format', 'json', '--exit-code'], env);
    expect(r.code, r.err).toBe(3); // tg is degraded, badtls and dark are down
    first = JSON.parse(readFileSync(out, 'utf8')) as ProbeRun;
    validateStatus('run', first, 'run.json');
    const e = byTag(first);
    for (const t of ['v2/trojan-8443', 'v2/vless-ws-8444', 'v2/vmess-ws-8445', 'tg/trojan-443']) {
      expect(e[t], `${t}: ${e[t]?.detail}`).toMatchObject({ deepest: 'proxy', ok: true, http_status: 200 });
      expect(e[t]!.error, `${t}: ${e[t]!.detail}`).toBeUndefined();
      expect(e[t]!.latency_ms.tcp).toBeTypeOf('number');
      expect(e[t]!.cert_days_left).toBeGreaterThan(0);
    }
    expect(e['v2/shadowsocks-8446']).toMatchObject({ deepest: 'tcp', ok: true, error: 'not-probed' });
    expect(e['v2/shadowsocks-8446']!.detail).toMatch(/sing-box/);
    expect(e['v2/hysteria2-443']).toMatchObject({ deepest: 'none', error: 'not-probed' });
    expect(e['v2/hysteria2-443']!.detail).toMatch(/UDP\/QUIC needs the sing-box binary/);
    expect(e['tg/trojan-9443']).toMatchObject({ deepest: 'none', ok: false, error: 'refused' });
    expect(e['badtls/trojan-7443']).toMatchObject({ deepest: 'tcp', error: 'tls-error' });
    expect(e['badtls/trojan-7443']!.detail).toMatch(/expired/);
    expect(e['badtls/trojan-7444']).toMatchObject({ deepest: 'tcp', error: 'tls-error' });
    expect(e['badtls/trojan-7444']!.detail).toMatch(/not valid for proxy\.test/);
    for (const t of ['dark/trojan-443', 'dark/vless-ws-8444', 'dark/vmess-ws-8445']) expect(e[t]).toMatchObject({ deepest: 'none', error: 'timeout' });
    // Each port of the black-holed host is tried once, side by side (a censor blocks ports, not only hosts).
    for (const t of ['dark/trojan-443', 'dark/vless-ws-8444', 'dark/vmess-ws-8445']) expect(e[t]!.detail).toMatch(/no answer to TCP connect/);
    expect(Object.fromEntries(first.nodes.map((n) => [n.node, n.state]))).toEqual({ badtls: 'down', dark: 'down', tg: 'degraded', v2: 'up' });
    expect(JSON.stringify(first)).not.toContain(fleet().hosts[0]!.ip); // show_addresses: false
    expect(first.demo).toBe(true);
  }, 60_000);

  it('a black-holed host costs one connection attempt per port, side by side, and no endpoint is tried twice', async () => {
    const f = fleet();
    const attempts = new Map<string, number>();
    let startedBeforeFirstAnswer: number | undefined;
    const counting: ConnectFn = (host, port, ms) => {
      attempts.set(`${host}:${port}`, (attempts.get(`${host}:${port}`) ?? 0) + 1);
      const p = tcpConnect(host, port, ms);
      const note = () => { startedBeforeFirstAnswer ??= [...attempts.values()].reduce((a, b) => a + b, 0); };
      p.then(note, note);
      return p;
    };
    const dark = f.host('dark').ip;
    // Five inbounds on three ports (two share 443, two share 444), and one on UDP.
    const ports = [443, 443, 444, 444, 445];
    const targets: ProbeTarget[] = ports.map((port, i) => ({ node: 'dark', region: 'test', maintenance: false, tag: `trojan-${port}-${i}`, type: 'trojan', server: dark, port, password: 'x', tls: { server_name: SNI } }));
    targets.push({ node: 'dark', region: 'test', maintenance: false, tag: 'hysteria2-443', type: 'hysteria2', server: dark, port: 443, password: 'x', tls: { server_name: SNI } } as ProbeTarget);
    const results = await probeAll(targets, { url: new URL(http.url), timeoutMs: 1000, now: new Date(), connect: counting }, 8);
    expect(results.map((r) => r.error)).toEqual(Array(6).fill('timeout'));
    expect([...attempts.entries()].sort()).toEqual([[`${dark}:443`, 1], [`${dark}:444`, 1], [`${dark}:445`, 1]]);
    expect(results.map((r) => r.detail)).toEqual([
      expect.stringMatching(/no answer/), 'timeout (port unreachable)', expect.stringMatching(/no answer/), 'timeout (port unreachable)', expect.stringMatching(/no answer/), 'timeout (host unreachable)',
    ]);
    // Side by side: every port's attempt had started before the first one ended.
    expect(startedBeforeFirstAnswer).toBe(3);
  }, 30_000);

  it('wrong credentials are auth-rejected-or-silent for Trojan, VLESS and VMess', async () => {
    const m = join(dir, 'manifest-creds.json');
    expect((await cli(['probe', 'manifest', '--root', root, '--out', m], { ...env, FLEET_SECRET: DEMO_SECRET })).code).toBe(0);
    const targets = readManifest(m).targets.filter((t) => t.node === 'v2' && ['trojan', 'vless-ws', 'vmess-ws'].includes(t.type));
    expect(targets).toHaveLength(3);
    const wrong = targets.map((t) => ({ ...t, password: t.password && 'not-the-password', uuid: t.uuid && '00000000-0000-4000-8000-000000000000' }));
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const results = await Promise.all(wrong.map((t) => checkEndpoint(t, { url: new URL(http.url), timeoutMs: 1500, now: new Date(), extraCa: ca })));
    expect(results.map((r) => [r.tag, r.deepest, r.error])).toEqual([
      ['trojan-8443', 'tls', 'auth-rejected-or-silent'], ['vless-ws-8444', 'tls', 'auth-rejected-or-silent'], ['vmess-ws-8445', 'tls', 'auth-rejected-or-silent'],
    ]);
    // The right credentials through the same code fetch exactly the served body.
    const right = await Promise.all(targets.map((t) => checkEndpoint(t, { url: new URL(http.url), timeoutMs: 3000, now: new Date(), extraCa: ca, expectBody: Buffer.from(BODY) })));
    expect(right.map((r) => [r.deepest, r.ok])).toEqual([['proxy', true], ['proxy', true], ['proxy', true]]);
  }, 30_000);

  it('--manifest without FLEET_SECRET gives the same classes; a demo manifest says so', async () => {
    const m = join(dir, 'manifest.json');
    const made = await cli(['probe', 'manifest', '--root', root, '--out', m], { ...env, FLEET_SECRET: DEMO_SECRET });
    expect(made.code, made.err).toBe(0);
    const manifest = readManifest(m);
    expect(manifest.demo).toBe(true);
    expect(manifest.probe.url).toBe(http.url);
    expect((await cli(['probe', 'manifest', '--root', root, '--out', m], env)).code).toBe(1); // no secret, no manifest
    const empty = mkdtempSync(join(tmpdir(), 'boxfleet-probe-nofleet-'));
    try {
      const r = await cli(['probe', '--root', empty, '--manifest', m, '--vantage', 'home-cn', '--format', 'json', '--now', new Date().toISOString()], env);
      expect(r.code, r.err).toBe(0);
      const run = JSON.parse(r.out) as ProbeRun;
      expect(run.vantage).toEqual({ name: 'home-cn', region: 'cn' });
      const classes = (x: ProbeRun): Record<string, string> => Object.fromEntries(Object.entries(byTag(x)).map(([k, v]) => [k, `${v.deepest}/${v.error ?? 'ok'}`]));
      expect(classes(run)).toEqual(classes(first));
    } finally { rmSync(empty, { recursive: true, force: true }); }
  }, 60_000);
});
