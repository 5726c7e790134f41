// The README's operator path on the demo fleet, with real nodes (#15): a fresh clone of
// this repository, its demo nodes given harness hosts of the same shape, and every README
// line that needs a node (test/real/readme-path.ts) run exactly as printed, in order, as
// a separate `fleet` process in the clone with the real sing-box on the nodes.
//
// The demo's shape, kept: tokyo-1 gets its certificate by ACME HTTP-01 (from Pebble, the
// one field added: acme.provider), serves Reality, VLESS-WS behind a CDN name
// (cdn-tokyo.example.com:443, a TLS relay here) and Hysteria2; singapore-1 has TLS files
// on the node and its SSH on another address (ssh.host); frankfurt-1 is self-signed with
// SSH on port 2222; osaka-1 is added by the README's own `node add`. What an operator
// fills in is filled in the same way: the nodes' addresses and host keys, the sing-box pin
// (a local release server), the probe and url-test URL (a web host: nothing leaves the
// test network), and singapore-1's arch (the test hosts are amd64).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeRelease, makeTestCa, PEBBLE_DIRECTORY, serveReleases, startPebble, startTlsRelay, startTlsSite, trustPebble, useHosts,
  type ReleaseServer, type TestHost,
} from '../harness/index.ts';
import { run } from '../harness/proc.ts';
import { markTestHost, VERSION } from '../deploy/helpers.ts';
import { singboxBin } from '../tools/index.ts';
import { argvOf, markdownLines } from '../workflows/command-lines.ts';
import { ADD_NODE, NODE_PATH, type PathStep } from './readme-path.ts';
import { startWeb } from './world.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const DEMO = {
  'tokyo-1': { address: '203.0.113.10' },
  'singapore-1': { address: '203.0.113.30', sshHost: '203.0.113.31' },
  'frankfurt-1': { address: '198.51.100.20' },
  'osaka-1': { address: '203.0.113.40' },
} as const;
type NodeName = keyof typeof DEMO;
const NAMES = Object.keys(DEMO) as NodeName[];

const hosts = useHosts(7, { names: [...NAMES, 'web', 'cdn', 'ca'] });
let work: string;
let clone: string;
let home: string;
let hostsFile: string;
let caFile: string;
let releases: ReleaseServer;
let node: Record<NodeName, TestHost>;
const secret = execFileSync('openssl', ['rand', '-base64', '48'], { encoding: 'utf8' }).trim();
let vantageKey = '';
/** The operator's ssh-agent: `deploy`, `drift` and `probe`-less lines take the deploy key from it. */
let agent: ChildProcess | undefined;
let agentSock: string;

/** Runs `fleet ARGV` in the clone as `npm run fleet --` would, with a private /etc/hosts (the CDN's name). */
async function fleet(argv: string[], opts: { vantage?: boolean } = {}): Promise<{ code: number; out: string; said: string }> {
  const env: Record<string, string> = {
    PATH: `${dirname(singboxBin())}:${process.env.PATH}`, HOME: home, SSH_AUTH_SOCK: agentSock, BOXFLEET_SSH_CONNECT_TIMEOUT: '3', BOXFLEET_PROBE_CA_FILE: caFile,
    ...(opts.vantage ? { BOXFLEET_VANTAGE_KEY: vantageKey } : { FLEET_SECRET: secret }),
  };
  const r = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile,
    process.execPath, '--import', 'tsx', join(REPO, 'scripts/fleet.ts'), ...argv, '--root', clone], { cwd: clone, env, timeoutMs: 240_000 });
  return { code: r.code ?? -1, out: r.stdout, said: `${r.stdout}\n${r.stderr}` };
}

/** The argv a shell would pass for a README line: `~` is HOME, a glob is expanded in the clone. */
function shellArgv(line: string): string[] {
  return argvOf(line).flatMap((a) => {
    const t = a.replace(/^~\//, `${home}/`);
    const glob = /^([^*]*)\/\*(\.\w+)$/.exec(t);
    if (!glob) return [t];
    return readdirSync(join(clone, glob[1]!)).filter((f) => f.endsWith(glob[2]!)).sort().map((f) => `${glob[1]}/${f}`);
  });
}

const git = (...argv: string[]) => execFileSync('git', ['-C', clone, '-c', 'user.name=op', '-c', 'user.email=op@example.org', ...argv], { stdio: 'pipe' });

/** Replaces `from` by `to` in a file of the clone; `from` must be there. */
function edit(file: string, from: string | RegExp, to: string): void {
  const path = join(clone, file);
  const text = readFileSync(path, 'utf8');
  if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) throw new Error(`${file} has no ${from}`);
  writeFileSync(path, typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to));
}

beforeAll(async () => {
  const h = hosts();
  const [tokyo, singapore, frankfurt, osaka, web, cdn, ca] = h.hosts as TestHost[];
  node = { 'tokyo-1': tokyo!, 'singapore-1': singapore!, 'frankfurt-1': frankfurt!, 'osaka-1': osaka! };
  work = mkdtempSync(join(tmpdir(), 'boxfleet-readme-fleet-'));
  const testCa = makeTestCa(join(work, 'ca'));

  // The internet the demo names: the sites Reality borrows, the probe URL, the CDN, the ACME CA.
  const camo = testCa.issue(['www.example.com', 'www.example.org']);
  await startTlsSite(web!, { host: web!.ip, port: 443, ...camo });
  await startWeb(web!, web!.ip);
  const cdnCert = testCa.issue(['cdn-tokyo.example.com']);
  await startTlsRelay(cdn!, { host: cdn!.ip, port: 443, ...cdnCert, to: { host: tokyo!.ip, port: 8443, serverName: 'tokyo-1.example.com' } });
  const pebble = await startPebble(ca!, tokyo!.ip);
  await trustPebble(tokyo!, ca!);
  for (const n of Object.values(node)) {
    await markTestHost(n);
    await n.exec(['sh', '-c', `echo "${web!.ip} www.example.com www.example.org" >> /etc/hosts`], { check: true });
  }
  // singapore-1: its TLS files where its YAML says, its SSH on a second address.
  const sg = testCa.issue(['sg-1.example.com']);
  await singapore!.put('/etc/ssl/boxfleet/sg-1.crt', sg.certPem);
  await singapore!.put('/etc/ssl/boxfleet/sg-1.key', sg.keyPem, '0600');
  const sgSsh = `${h.subnet.base}.231`;
  await singapore!.addAddress(`${sgSsh}/24`);
  await singapore!.listenSsh(sgSsh, 22);
  await frankfurt!.listenSsh(frankfurt!.ip, 2222);
  caFile = join(work, 'trusted.pem');
  writeFileSync(caFile, testCa.rootPem + pebble.root);
  hostsFile = join(work, 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 localhost\n${cdn!.ip} cdn-tokyo.example.com\n`);

  // The operator's machine: the deploy and root keys the README names, a fresh clone.
  home = join(work, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  for (const k of ['boxfleet_deploy', 'boxfleet_root']) {
    copyFileSync(h.clientKeyPath, join(home, '.ssh', k));
    chmodSync(join(home, '.ssh', k), 0o600);
    copyFileSync(`${h.clientKeyPath}.pub`, join(home, '.ssh', `${k}.pub`));
  }
  agentSock = join(work, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(agentSock); i++) await new Promise((res) => setTimeout(res, 50));
  execFileSync('ssh-add', ['-q', join(home, '.ssh', 'boxfleet_deploy')], { env: { PATH: process.env.PATH, SSH_AUTH_SOCK: agentSock }, stdio: 'pipe' });
  const origin = join(work, 'origin.git');
  execFileSync('git', ['clone', '--quiet', '--bare', '--no-hardlinks', REPO, origin]);
  clone = join(work, 'fleet');
  execFileSync('git', ['clone', '--quiet', origin, clone]);
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
  copyFileSync(h.clientKeyPath, join(clone, 'boxfleet_deploy'));
  chmodSync(join(clone, 'boxfleet_deploy'), 0o600);
  copyFileSync(`${h.clientKeyPath}.pub`, join(clone, 'boxfleet_deploy.pub'));

  // What the operator fills in: addresses, host keys, pins, URLs.
  const hostKeyOf = (n: NodeName) => readFileSync(join(clone, 'nodes', `${n}.yaml`), 'utf8').match(/ssh-ed25519 \S+/)![0];
  for (const n of NAMES.filter((x) => x !== 'osaka-1')) {
    const file = `nodes/${n}.yaml`;
    edit(file, hostKeyOf(n), node[n].hostKey);
    edit(file, `address: ${DEMO[n].address}\n`, `address: ${node[n].ip}\n`);
  }
  edit('nodes/singapore-1.yaml', `host: ${DEMO['singapore-1'].sshHost}\n`, `host: ${sgSsh}\n`);
  edit('nodes/singapore-1.yaml', 'arch: arm64\n', 'arch: amd64\n');
  edit('nodes/tokyo-1.yaml', /( +)challenge: http-01\n/, `$1challenge: http-01\n$1provider: ${PEBBLE_DIRECTORY}\n`);
  const rel = makeRelease(VERSION);
  releases = await serveReleases([rel]);
  edit('fleet.yaml', /(\n +)build: official\n/, `$1build: official$1sha256:$1  amd64: "${rel.sha256}"$1download_url: "${releases.urlTemplate}"\n`);
  edit('fleet.yaml', 'https://www.gstatic.com/generate_204', `http://${web!.ip}/generate_204`);
  // The same command the README prints, with this node's own address and host key.
  const add = await fleet(shellArgv(ADD_NODE.replace(DEMO['osaka-1'].address, osaka!.ip).replace(/ssh-ed25519 \S+"/, `${osaka!.hostKey}"`)));
  if (add.code !== 0) throw new Error(`node add: ${add.said}`);
  // frankfurt-1's committed certificate was made from the demo's secret and address.
  const cert = await fleet(['node', 'cert', 'frankfurt-1', '--replace']);
  if (cert.code !== 0) throw new Error(`node cert: ${cert.said}`);
  git('add', '-A', 'nodes', 'fleet.yaml');
  git('commit', '--quiet', '-m', 'our nodes');
  const v = await fleet(['validate']);
  if (v.code !== 0) throw new Error(`validate: ${v.said}`);
  const key = await fleet(['probe', 'vantage-key', 'home-cn']);
  vantageKey = key.out.trim();
  if (key.code !== 0 || !vantageKey) throw new Error(`probe vantage-key: ${key.said}`);
  // The first bootstrap of the two nodes the README does not name logs in as root, like osaka-1's.
  for (const n of ['singapore-1', 'frankfurt-1']) {
    const b = await fleet(['bootstrap', n, '--identity', join(home, '.ssh/boxfleet_deploy')]);
    if (b.code !== 0) throw new Error(`bootstrap ${n}: ${b.said}`);
  }
}, 600_000);

afterAll(async () => {
  agent?.kill();
  await releases?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('the README\'s node commands on the demo\'s shape, with the real sing-box', () => {
  it('every line of the operator path is in the README, word for word', () => {
    const readme = new Set(markdownLines(readFileSync(join(REPO, 'README.md'), 'utf8'), 'README.md').map((l) => l.argv.join(' ')));
    for (const s of [{ line: ADD_NODE }, ...NODE_PATH]) expect(readme.has(argvOf(s.line).join(' ')), s.line).toBe(true);
  });

  it('each runs as printed, in order, and does what it says', async () => {
    const ran: string[] = [];
    for (const step of NODE_PATH) {
      await before(step);
      const r = await fleet(shellArgv(step.line), { vantage: step.vantage });
      expect(r.code, `${step.line}\n${r.said}`).toBe(step.code ?? 0);
      if (step.says) expect(r.said, step.line).toMatch(step.says);
      expect(r.said, step.line).not.toMatch(/\n\s+at /);
      ran.push(step.line);
    }
    expect(ran).toHaveLength(NODE_PATH.length);
  }, 900_000);

  it('the first bootstrap left SSH open where the node has it: frankfurt-1\'s firewall admits 2222 and not 22; tokyo-1\'s admits 80 for HTTP-01', async () => {
    const fra = await node['frankfurt-1'].exec(['nft', 'list', 'table', 'inet', 'boxfleet'], { check: true });
    const tcp = (t: string) => /tcp dport \{ ([^}]*) \}/.exec(t)?.[1]?.split(', ') ?? [];
    expect(tcp(fra.stdout)).toContain('2222');
    expect(tcp(fra.stdout)).not.toContain('22');
    const tokyo = await node['tokyo-1'].exec(['nft', 'list', 'table', 'inet', 'boxfleet'], { check: true });
    expect(tcp(tokyo.stdout)).toEqual(expect.arrayContaining(['22', '80', '443', '8443']));
  });

  it('what they made: every inbound of every node answered through its protocol, both vantages are on the status branch, the pages are built', () => {
    const runOf = (f: string) => JSON.parse(readFileSync(join(clone, f), 'utf8')) as { nodes: { node: string; endpoints: { tag: string; deepest: string; ok: boolean; detail?: string }[] }[] };
    for (const f of ['build/probe-run.json', 'run.json']) {
      const eps = runOf(f).nodes.flatMap((n) => n.endpoints.map((e) => ({ ...e, node: n.node })));
      expect(new Set(eps.map((e) => e.node))).toEqual(new Set(NAMES));
      for (const e of eps) expect(e, `${f} ${JSON.stringify(e)}`).toMatchObject({ deepest: 'proxy', ok: true });
    }
    const latest = JSON.parse(readFileSync(join(clone, 'build/status/latest.json'), 'utf8')) as { nodes: Record<string, { state: string }> };
    for (const n of NAMES) expect(latest.nodes[n]?.state, n).toBe('up');
    expect(existsSync(join(clone, 'build/site/index.html'))).toBe(true);
    expect(existsSync(join(clone, 'build/nodes/osaka-1/config.json'))).toBe(true);
    expect(existsSync(join(clone, '.bin/sing-box'))).toBe(true);
  });
});

/** What the operator does between two README lines. */
async function before(step: PathStep): Promise<void> {
  if (step.line === 'probe') {
    // tokyo-1's certificate comes from Pebble after its deploy, as from Let's Encrypt; the probe checks it.
    for (let i = 0; i < 120; i++) {
      const r = await run('openssl', ['s_client', '-connect', `${node['tokyo-1'].ip}:8443`, '-servername', 'tokyo-1.example.com', '-CAfile', caFile, '-verify_return_error'], { input: '', timeoutMs: 5000 });
      if (r.code === 0) return;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error('tokyo-1 got no certificate from Pebble in 60 s');
  }
  if (step.line.startsWith('status merge')) {
    // A self-hosted vantage's run, uploaded as the probe-vantage workflow uploads it.
    mkdirSync(join(clone, 'uploads'), { recursive: true });
    copyFileSync(join(clone, 'run.json'), join(clone, 'uploads', 'home-cn.json'));
  }
}
