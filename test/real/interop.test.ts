// The interop matrix: every inbound type × the user's three ways in (sing-box.json run by
// the real sing-box through its tun, mihomo.yaml run by the real mihomo, the share-link
// subscription read by mihomo as a proxy-provider) × both routing presets. The node runs
// what `fleet deploy` put there; the clients use what `fleet site` published. A cell passes
// when the page arrives and the web server saw the request come from the node's address;
// its negative control is the same run with that inbound cut off on the node (an nftables
// reject for its port), which must fail. A second, self-signed node is in both profiles
// (its certificate pinned) and must be missing from the share links.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts } from '../harness/index.ts';
import { sh } from '../deploy/helpers.ts';
import { installClients, runMihomo, runShareLinks, runSingbox, type ClientKind, type ClientRun } from './clients.ts';
import { buildWorld, PINNED_INBOUNDS, put, type World } from './world.ts';

interface Endpoint { label: string; proto: 'tcp' | 'udp'; port: number; server: string }
interface Cell { preset: string; client: ClientKind; label: string; ok: boolean; negative: boolean; detail: string }

const PRESETS = ['global', 'cn-direct'] as const;
const cells: Cell[] = [];

describe('interop matrix on real sing-box and mihomo', () => {
  const hosts = useHosts(5, { names: ['node', 'client', 'web', 'camo', 'node2'] });
  let w: World;
  let siteDir: string;

  beforeAll(async () => {
    w = await buildWorld(hosts());
    await installClients(w.client);
    siteDir = mkdtempSync(join(tmpdir(), 'boxfleet-interop-site-'));
  }, 300_000);
  afterAll(async () => {
    await w?.cleanup();
    if (siteDir) rmSync(siteDir, { recursive: true, force: true });
    if (cells.length) {
      mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
      writeFileSync(join(process.cwd(), 'test-results', 'interop-matrix.md'), matrixTable());
    }
  });

  /** Publishes the site for `preset`, serves alice's folder on the client's loopback, returns her files. */
  async function publish(preset: string): Promise<{ singbox: string; mihomo: string; linksUrl: string; endpoints: Endpoint[] }> {
    w.tf.edit('fleet.yaml', (f) => void (f.subscription.routing = preset));
    const out = join(siteDir, preset);
    const s = await w.tf.cli(['site', '--out', out]);
    expect(s.code, s.err).toBe(0);
    const l = await w.tf.cli(['links', '--user', 'alice', '--format', 'json']);
    expect(l.code, l.err).toBe(0);
    const url = new URL((JSON.parse(l.out) as { url: string }[])[0]!.url);
    const folder = join(out, url.pathname);
    const singbox = readFileSync(join(folder, 'sing-box.json'), 'utf8');
    await put(w.client, `/root/site${url.pathname}links.txt`, readFileSync(join(folder, 'links.txt')));
    await w.client.exec(['sh', '-c', 'pkill -f "http.server 8080" || true']);
    await w.client.spawnServer(['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', '127.0.0.1', '--directory', '/root/site']);
    const endpoints = (JSON.parse(singbox).outbounds as { tag: string; type: string; server: string; server_port?: number }[])
      .filter((o) => o.server_port)
      .map((o) => ({ label: o.tag, server: o.server, proto: o.type === 'hysteria2' || o.type === 'tuic' ? 'udp' as const : 'tcp' as const, port: o.server_port! }));
    return { singbox, mihomo: readFileSync(join(folder, 'mihomo.yaml'), 'utf8'), linksUrl: `http://127.0.0.1:8080${url.pathname}links.txt`, endpoints };
  }

  /** Cuts one inbound off on its node for the duration of fn. */
  async function withInboundCut<T>(e: Endpoint, fn: () => Promise<T>): Promise<T> {
    const host = [w.node, w.pinned!].find((h) => h.ip === e.server)!;
    await host.exec(['nft', '-f', '-'], { input: `table inet bfcut {\n  chain input {\n    type filter hook input priority -200;\n    ${e.proto} dport ${e.port} reject\n  }\n}\n`, check: true });
    try { return await fn(); } finally { await host.exec(['nft', 'delete', 'table', 'inet', 'bfcut'], { check: true }); }
  }

  async function cell(preset: string, client: ClientKind, e: Endpoint, i: number, start: () => Promise<ClientRun>): Promise<void> {
    const path = `/page/${preset}/${client}/${i}`;
    const c: Cell = { preset, client, label: e.label, ok: false, negative: false, detail: '' };
    cells.push(c);
    let run: ClientRun | undefined;
    try {
      run = await start();
      const got = await run.fetch(`http://${w.webIp}${path}`, 3);
      const seen = (await w.accessLog()).filter((l) => l.endsWith(` ${path}`));
      c.ok = got.ok && seen.length > 0 && seen.every((l) => l.startsWith(`${e.server} `));
      if (!c.ok) c.detail = `${got.status} ${got.detail} log=${JSON.stringify(seen)} client: ${await run.log()}`;
      const neg = await withInboundCut(e, () => run!.fetch(`http://${w.webIp}${path}/cut`));
      c.negative = !neg.ok;
      if (!c.negative) c.detail += ` negative control passed through: ${neg.status}`;
    } catch (err) {
      c.detail = (err as Error).message;
    } finally {
      await run?.stop();
    }
  }

  for (const preset of PRESETS) {
    describe(`routing ${preset}`, () => {
      let pub: Awaited<ReturnType<typeof publish>>;
      beforeAll(async () => void (pub = await publish(preset)), 120_000);

      it('sing-box.json through the tun: every proxy reaches the web through the node', async () => {
        for (const [i, e] of pub.endpoints.entries()) await cell(preset, 'sing-box', e, i, () => runSingbox(w.client, pub.singbox, e.label));
        expect(failures(preset, 'sing-box')).toEqual([]);
      }, 300_000);

      it('mihomo.yaml: every proxy reaches the web through the node', async () => {
        for (const [i, e] of pub.endpoints.entries()) await cell(preset, 'mihomo', e, i, () => runMihomo(w.client, pub.mihomo, e.label));
        expect(failures(preset, 'mihomo')).toEqual([]);
      }, 300_000);

      it('share links as a mihomo proxy-provider: exactly the fleet\'s non-self-signed inbounds, each working', async () => {
        // The profiles list the self-signed node too (pinned); share links cannot pin, so leave it out.
        const linked = pub.endpoints.filter((e) => e.server !== w.pinned!.ip);
        expect(pub.endpoints.length - linked.length).toBe(PINNED_INBOUNDS.length);
        const all = await runShareLinks(w.client, pub.linksUrl);
        try {
          expect(await all.providerProxies()).toEqual(linked.map((e) => e.label).sort());
        } finally { await all.stop(); }
        for (const [i, e] of linked.entries()) await cell(preset, 'share-link', e, i, () => runShareLinks(w.client, pub.linksUrl, e.label));
        expect(failures(preset, 'share-link')).toEqual([]);
      }, 300_000);
    });
  }

  it('Reality camouflage: a plain TLS client to the Reality port gets the borrowed site\'s certificate', async () => {
    const out = await sh(w.client, `echo | timeout 10 openssl s_client -connect ${w.node.ip}:443 -servername camo.interop.test 2>/dev/null | openssl x509 -noout -subject -issuer`);
    expect(out).toContain('CN = camo.interop.test');
    expect(out).toContain('boxfleet test root');
  });
});

function failures(preset: string, client: ClientKind): string[] {
  return cells.filter((c) => c.preset === preset && c.client === client && !(c.ok && c.negative)).map((c) => `${c.label}: ${c.detail}`);
}

function matrixTable(): string {
  const rows = cells.map((c) => `| ${c.label} | ${c.client} | ${c.preset} | ${c.ok ? 'pass' : 'FAIL'} | ${c.negative ? 'fails as it should' : 'DID NOT FAIL'} | ${c.label} |`);
  const details = cells.filter((c) => c.detail).map((c) => `- ${c.preset} ${c.client} ${c.label}: ${c.detail.replace(/\s+/g, ' ').slice(0, 1500)}`);
  return ['| inbound | client | preset | result | negative control | selected outbound |', '|---|---|---|---|---|---|', ...rows, '', ...details, ''].join('\n');
}
