// The users' apps on the client host: the real sing-box running a published sing-box.json
// (its tun inbound included), the real mihomo running a published mihomo.yaml, and mihomo
// reading the published share-link subscription as a proxy-provider. Each run selects one
// proxy explicitly; these are the only edits made to a published profile:
//   sing-box.json  the `proxy` selector's `default` set to the proxy under test
//   mihomo.yaml    the proxy under test moved to the head of the `proxy` select group
//                  (edited as a YAML document: the anchors, aliases and merge keys the
//                  profile is written with reach mihomo as published)
// (the share-link client's config is the test's own: a provider and one group).
import { readFileSync } from 'node:fs';
import { parseDocument, stringify, type YAMLMap, type YAMLSeq } from 'yaml';
import type { TestHost } from '../harness/index.ts';
import { isAlive } from '../harness/index.ts';
import { sh } from '../deploy/helpers.ts';
import { mihomoBin, singboxBin } from '../tools/index.ts';
import { put } from './world.ts';

export type ClientKind = 'sing-box' | 'mihomo' | 'share-link';

export interface Fetch {
  ok: boolean;
  status: string;
  detail: string;
}

/** Installs the client programs into the host (its /root and /usr/local are its own). */
export async function installClients(h: TestHost): Promise<void> {
  await put(h, '/usr/local/bin/sing-box', readFileSync(singboxBin()), '0755');
  await put(h, '/usr/local/bin/mihomo', readFileSync(mihomoBin()), '0755');
}

async function waitListening(h: TestHost, port: number, pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (!isAlive(pid)) throw new Error(`client exited before listening on ${port}: ${await logTail(h, pid)}`);
    if ((await h.exec(['sh', '-c', `ss -Hltn | grep -q "127.0.0.1:${port} "`])).code === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`client did not listen on ${port} within 10 s: ${await logTail(h, pid)}`);
}

/** The client's last log lines worth reading (errors and fatal ones first). */
export async function logTail(h: TestHost, pid: number): Promise<string> {
  const log = h.serverLog(pid);
  if (!log) return '';
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const bad = lines.filter((l) => /error|fatal|warn/i.test(l) && !/recommended to use HTTPS/.test(l));
  return (bad.length ? bad : lines).slice(-6).join('\n');
}

async function stop(pid: number): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * GET url from the client host, through `proxy` (curl -x) or through the tun (none). An
 * app that has just started may still be loading its rule sets and providers, as a user's
 * would: up to `tries` tries, one second apart.
 */
async function fetchFrom(h: TestHost, url: string, proxy: string | undefined, tries: number): Promise<Fetch> {
  // A single try is a negative control: an app that cannot connect gives up within seconds.
  const seconds = tries > 1 ? '5' : '3';
  let last: Fetch = { ok: false, status: '', detail: '' };
  for (let attempt = 1; attempt <= tries; attempt++) {
    const r = await h.exec(['curl', '-sS', '-m', seconds, '-o', '/dev/null', '-w', '%{http_code}', ...(proxy ? ['-x', proxy] : []), url], { timeoutMs: 15_000 });
    last = { ok: r.code === 0 && r.stdout === '200', status: r.stdout || `curl exit ${r.code}`, detail: `${r.stderr.trim()} (try ${attempt})` };
    if (last.ok || attempt === tries) return last;
    await new Promise((res) => setTimeout(res, 1000));
  }
  return last;
}

export interface ClientRun {
  /** GET through the app; `tries` > 1 lets an app that just started settle. */
  fetch(url: string, tries?: number): Promise<Fetch>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** sing-box with the published profile, `proxy` selector defaulting to `tag`; fetches go through its tun. */
export async function runSingbox(h: TestHost, profile: string, tag: string): Promise<ClientRun> {
  const cfg = JSON.parse(profile);
  const selector = cfg.outbounds.find((o: { tag: string }) => o.tag === 'proxy');
  if (!selector?.outbounds.includes(tag)) throw new Error(`profile has no proxy ${tag}`);
  selector.default = tag;
  await put(h, '/root/sing-box-client.json', JSON.stringify(cfg));
  const pid = await startSingboxClient(h);
  // Fetches may go out only once auto_route has put the tun's policy rules and routes in
  // place (after the inbound starts): before that, they would not reach the tun at all.
  await sh(h, 'for i in $(seq 200); do ip rule | grep -q "lookup 2022" && ip route show table 2022 | grep -q tun && exit 0; sleep 0.05; done; exit 1');
  return { fetch: (url, tries = 1) => fetchFrom(h, url, undefined, tries), log: () => logTail(h, pid), stop: () => stop(pid) };
}

/**
 * Starts the client and waits for its mixed port. Started once more, and only then, when it
 * died of "bad request salt" while fetching its rule sets through a Shadowsocks 2022 proxy:
 * a race in the sing-box client itself (sing-shadowsocks2 v0.2.1, shadowaead_2022/method.go: the client
 * sets `requestSalt` only after its request is flushed, so a reply read before that — a
 * fast server on a loaded machine — compares against nil and is refused). The server it met
 * is ours and did nothing wrong; any other failure, and this one twice, still fails the cell.
 */
async function startSingboxClient(h: TestHost): Promise<number> {
  const start = () => h.spawnServer(['/usr/local/bin/sing-box', 'run', '-c', '/root/sing-box-client.json'], { env: { SSL_CERT_FILE: '/root/ca.pem' }, cwd: '/root' });
  const pid = await start();
  try {
    await waitListening(h, 2080, pid);
    return pid;
  } catch (e) {
    if (!/bad request salt/.test((e as Error).message)) throw e;
    process.stderr.write(`sing-box client race (bad request salt) on start, started again: ${(e as Error).message.slice(0, 200)}\n`);
    const again = await start();
    await waitListening(h, 2080, again);
    return again;
  }
}

/** mihomo with the published profile, `name` first in the `proxy` group; fetches use its mixed port. */
export async function runMihomo(h: TestHost, profile: string, name: string): Promise<ClientRun> {
  const doc = parseDocument(profile, { merge: true });
  const group = (doc.get('proxy-groups') as YAMLSeq<YAMLMap>).items.find((g) => g.get('name') === 'proxy');
  const proxies = (group?.toJSON() as { proxies?: string[] } | undefined)?.proxies ?? [];
  if (!proxies.includes(name)) throw new Error(`profile has no proxy ${name}`);
  group!.set('proxies', doc.createNode([name, ...proxies.filter((p) => p !== name)], { flow: true }));
  return startMihomo(h, doc.toString({ lineWidth: 0 }), doc.get('mixed-port') as number);
}

/** mihomo whose only proxies come from the share-link subscription at `url`; `name` selected by filter. */
export async function runShareLinks(h: TestHost, url: string, name?: string): Promise<ClientRun & { providerProxies(): Promise<string[]> }> {
  const escaped = name?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const cfg = {
    'mixed-port': 7891, 'allow-lan': false, mode: 'rule', 'log-level': 'info', ipv6: false,
    'external-controller': '127.0.0.1:9097',
    'proxy-providers': { sub: { type: 'http', url, interval: 3600, path: './providers/sub.txt' } },
    'proxy-groups': [{ name: 'pick', type: 'select', use: ['sub'], ...(escaped ? { filter: `^${escaped}$` } : {}) }],
    rules: ['MATCH,pick'],
  };
  const run = await startMihomo(h, stringify(cfg), 7891);
  const providerProxies = async (): Promise<string[]> => {
    const r = await h.exec(['curl', '-sS', '-m', '5', 'http://127.0.0.1:9097/providers/proxies/sub']);
    try { return (JSON.parse(r.stdout).proxies as { name: string }[]).map((p) => p.name).sort(); } catch { return []; }
  };
  // The provider loads after the ports open: wait until the subscription's proxies are in.
  for (let i = 0; i < 100 && (await providerProxies()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  return { ...run, providerProxies };
}

async function startMihomo(h: TestHost, yaml: string, port: number): Promise<ClientRun> {
  await h.exec(['rm', '-rf', '/root/mihomo-home'], { check: true });
  await put(h, '/root/mihomo-home/config.yaml', yaml);
  const pid = await h.spawnServer(['/usr/local/bin/mihomo', '-d', '/root/mihomo-home', '-f', '/root/mihomo-home/config.yaml'], { env: { SSL_CERT_FILE: '/root/ca.pem' }, cwd: '/root' });
  await waitListening(h, port, pid);
  return { fetch: (url, tries = 1) => fetchFrom(h, url, `http://127.0.0.1:${port}`, tries), log: () => logTail(h, pid), stop: () => stop(pid) };
}
