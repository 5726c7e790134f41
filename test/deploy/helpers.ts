// A temporary test fleet whose nodes are the harness's sshd hosts, the real sing-box
// (built by test/tools/build.sh) served as a release tarball from loopback through
// fleet.yaml's `singbox.download_url`, and the real `fleet` CLI in a separate process.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CredentialStore } from '../../scripts/secrets/index.ts';
import { makeSelfSignedCertificate } from '../../scripts/core/certificate.ts';
import { SESSION_DIR_PREFIX } from '../../scripts/deploy/ssh.ts';
import { makeRelease, serveReleases, startTlsSite, type Release, type TestHost, type TestHosts } from '../harness/index.ts';
import { pidsWithCmdline, run } from '../harness/proc.ts';
import { TOOL_VERSIONS } from '../tools/index.ts';

export const TEST_SECRET = 'boxfleet-deploy-tests-secret-0123456789abcdef';
export const VERSION = TOOL_VERSIONS.singbox.pinned;
const REPO = new URL('../../', import.meta.url).pathname;
/** The Reality inbound of the first host borrows this site, served on that host's loopback. */
export const CAMOUFLAGE = { name: 'camouflage.boxfleet.test', port: 9443 };

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface TestFleet {
  dir: string;
  /** The release tarball as a file (for `bootstrap --release`). */
  release: string;
  /** Paths the release server was asked for. */
  downloads: string[];
  hosts: TestHosts;
  cli(argv: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Edits a YAML file of the fleet (path relative to the fleet dir). */
  edit(file: string, fn: (doc: Record<string, any>) => void): void;
  cleanup(): Promise<void>;
}

export function nodeYaml(h: TestHost, store: CredentialStore, extra: Record<string, unknown>[] = []): Record<string, unknown> {
  const serverName = `${h.name}.boxfleet.test`;
  const key = store.node(h.name, 1).selfSignedKey.privateKeyPem;
  return {
    name: h.name,
    title: `Test ${h.name}`,
    region: 'test',
    country: 'DE',
    arch: 'amd64',
    address: h.ip,
    ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: [h.hostKey] },
    tls: { mode: 'self-signed', server_name: serverName, certificate: makeSelfSignedCertificate({ privateKeyPem: key, serverName, address: h.ip }) },
    inbounds: [
      { type: 'trojan', port: 443 },
      { type: 'shadowsocks', port: 8388, method: '2022-blake3-aes-128-gcm' },
      { type: 'hysteria2', port: 443, obfs: true },
      ...extra,
    ],
  };
}

export interface TestFleetOptions {
  /**
   * The node YAML of each host (default: self-signed Trojan, SS2022, Hysteria2; Reality on
   * the first); undefined makes the host no node of the fleet.
   */
  node?: (h: TestHost, i: number, store: CredentialStore) => Record<string, unknown> | undefined;
  /** The users (default: alice everywhere, bob on the second host only). */
  users?: Record<string, unknown>[];
  /** Edits fleet.yaml before it is written. */
  settings?: (fleet: Record<string, any>) => void;
  /** The clock of every command (default 2026-06-01). */
  now?: string;
  /** The release the nodes install (default: a tarball of the pinned release build), e.g. the stats build's. */
  release?: Release;
}

export async function makeTestFleet(hosts: TestHosts, opts: TestFleetOptions = {}): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-deploy-test-'));
  const rel = opts.release ?? makeRelease(VERSION);
  const release = join(dir, `sing-box-${VERSION}-linux-amd64.tar.gz`);
  writeFileSync(release, rel.tarball);
  const server = await serveReleases([rel]);
  const fleet = parse(readFileSync(join(REPO, 'fleet.yaml'), 'utf8')) as Record<string, any>;
  fleet.singbox = { version: VERSION, sha256: { amd64: rel.sha256 }, download_url: server.urlTemplate };
  fleet.deploy = { canary: hosts.hosts[0]!.name, parallel: 4, max_fail_percent: 34 };
  // The test hosts' region, declared like any other (#15: regions are one namespace).
  fleet.regions = { ...fleet.regions, test: { title: { en: 'Test hosts', 'zh-CN': '测试主机' } } };
  opts.settings?.(fleet);
  mkdirSync(join(dir, 'nodes'));
  mkdirSync(join(dir, 'users'));
  writeFileSync(join(dir, 'fleet.yaml'), stringify(fleet));
  const store = new CredentialStore(Buffer.from(TEST_SECRET), fleet.epoch);
  for (const [i, h] of hosts.hosts.entries()) {
    const reality = i === 0 ? [{ type: 'vless-reality', port: 8443, handshake_server: CAMOUFLAGE.name, handshake_port: CAMOUFLAGE.port }] : [];
    const doc = opts.node ? opts.node(h, i, store) : nodeYaml(h, store, reality);
    if (doc) writeFileSync(join(dir, 'nodes', `${doc.name}.yaml`), stringify(doc));
  }
  const users = opts.users ?? [
    { name: 'alice', rev: 1 },
    // bob only reaches the second node: changing him must touch that node alone.
    { name: 'bob', rev: 1, nodes: [`node:${(hosts.hosts[1] ?? hosts.hosts[0])!.name}`] },
  ];
  for (const u of users) writeFileSync(join(dir, 'users', `${u.name}.yaml`), stringify(u));
  const now = opts.now ?? '2026-06-01T00:00:00Z';
  const tf: TestFleet = {
    dir,
    release,
    downloads: server.requests,
    hosts,
    async cli(argv, env = {}) {
      // A separate process, as `npm run fleet` runs it, with a minimal environment like
      // a CI step's.
      const r = await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/fleet.ts'), ...argv, '--root', dir, ...(argv.includes('--now') ? [] : ['--now', now])], {
        cwd: REPO,
        timeoutMs: 120_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: TEST_SECRET, BOXFLEET_SSH_CONNECT_TIMEOUT: '3', ...env },
      });
      return { code: r.code ?? -1, out: r.stdout.trimEnd(), err: r.stderr.trimEnd() };
    },
    edit(file, fn) {
      const doc = parse(readFileSync(join(dir, file), 'utf8')) as Record<string, any>;
      fn(doc);
      writeFileSync(join(dir, file), stringify(doc));
    },
    async cleanup() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return tf;
}

/** Marks a harness host as a test host (pidfile service manager, machine-wide steps off). */
export async function markTestHost(h: TestHost): Promise<void> {
  await h.exec(['sh', '-c', 'mkdir -p /etc/boxfleet && printf "BOXFLEET_TEST_HOST=1\\nBOXFLEET_SERVICE_MANAGER=pidfile\\nBOXFLEET_SETTLE_SEC=0.3\\n" > /etc/boxfleet/node.env'], { check: true });
}

/**
 * The site a Reality inbound borrows: a TLS 1.3 web server on the host's loopback, its
 * name in the host's /etc/hosts. Real sing-box relays every visitor that is not a client
 * to it, so without it the deployer's Reality health check fails, as it would on a VPS
 * whose handshake server is unreachable.
 */
export async function startCamouflage(h: TestHost): Promise<number> {
  await h.exec(['sh', '-c', `echo "127.0.0.1 ${CAMOUFLAGE.name}" >> /etc/hosts`], { check: true });
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-camo-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
      '-days', '2', '-subj', `/CN=${CAMOUFLAGE.name}`, '-addext', `subjectAltName=DNS:${CAMOUFLAGE.name}`], { stdio: 'ignore' });
    return await startTlsSite(h, { host: '127.0.0.1', port: CAMOUFLAGE.port, certPem: readFileSync(join(dir, 'c.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'k.pem'), 'utf8') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Shell command output on a host, trimmed; throws on failure. */
export async function sh(h: TestHost, cmd: string): Promise<string> {
  return (await h.exec(['bash', '-c', cmd], { check: true })).stdout.trim();
}

export interface HostState {
  hash: string;
  pid: string;
  /** The service's listening sockets (inodes): a reload keeps the PID and opens new ones. */
  sockets: string;
  marker: string;
  alive: boolean;
}

/** What a host runs: live config hash, service PID (alive?) and its sockets, marker. */
export async function hostState(h: TestHost): Promise<HostState> {
  const out = await sh(h, 'sha256sum /etc/sing-box/config.json 2>/dev/null | cut -c1-64; cat /run/sing-box.pid 2>/dev/null || echo 0; echo; cat /var/lib/boxfleet/deployed.json 2>/dev/null | tr -d "\\n"; echo');
  const [hash = '', pid = '0', , marker = ''] = out.split('\n');
  const st = pid !== '0' ? await h.exec(['sh', '-c', `sed 's/^.*) //' /proc/${pid}/stat | cut -d' ' -f1`]) : undefined;
  const sockets = pid !== '0' ? await sh(h, `ss -Hlnptue | grep -F "pid=${pid}," | grep -o "ino:[0-9]*" | sort | tr "\\n" " "`) : '';
  return { hash, pid, sockets, marker, alive: !!st && st.code === 0 && /^[RSD]/.test(st.stdout.trim()) };
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** ControlMaster processes or session directories a deploy left behind (should be none). */
export function leftovers(): string[] {
  const pids = pidsWithCmdline(`/${SESSION_DIR_PREFIX}`);
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(SESSION_DIR_PREFIX));
  return [...pids.map((p) => `pid ${p}`), ...dirs.map((d) => `dir ${d}`)];
}

