// Shared by the site suites: a throw-away fleet built from the demo fleet's nodes with
// users whose names are distinctive enough to search for, site builds, a static server.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadFleet } from '../../scripts/model/load.ts';
import { errorsOf } from '../../scripts/model/diagnostics.ts';
import type { Fleet } from '../../scripts/model/types.ts';
import { certificateMatchesKey, makeSelfSignedCertificate } from '../../scripts/core/certificate.ts';
import { loadMasterSecret, openCredentialStore, type MasterSecret } from '../../scripts/secrets/index.ts';
import { buildSite, type SiteOptions, type SiteResult } from '../../scripts/site/build.ts';
import { freePort } from '../harness/tcp.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STATUS_FIXTURE = join(ROOT, 'test', 'site', 'fixtures', 'status');
export const NOW = new Date('2026-11-26T12:00:00Z');
export const SECRET_A = 'site-test-secret-A-0123456789abcdef0123456789abcdef';
export const SECRET_B = 'site-test-secret-B-0123456789abcdef0123456789abcdef';

export interface TestUser { name: string; [k: string]: unknown }
/** Active, active with quota+expiry, rotated (in grace), disabled, expired, zh-CN. */
export const USERS: TestUser[] = [
  { name: 'quartz-owl', enabled: true, rev: 1, region: 'asia-east', quota_gb: 50, expires: '2027-06-30' },
  { name: 'maple-heron', enabled: true, rev: 2, rotated_at: '2026-11-25T12:00:00Z' },
  { name: 'cobalt-lynx', enabled: true, rev: 1, language: 'zh-CN', region: 'cn' },
  { name: 'velvet-ibis', enabled: false, rev: 1 },
  { name: 'amber-wren', enabled: true, rev: 1, expires: '2025-01-31' },
];

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `boxfleet-site-${prefix}-`));
}

/** A fleet root in a temp dir; `settings` is deep-merged into the demo fleet.yaml. */
export function makeFleet(dir: string, opts: { settings?: Record<string, any>; users?: TestUser[] } = {}): string {
  const fleet = YAML.parse(readFileSync(join(ROOT, 'fleet.yaml'), 'utf8'));
  merge(fleet, opts.settings ?? {});
  writeFileSync(join(dir, 'fleet.yaml'), YAML.stringify(fleet));
  cpSync(join(ROOT, 'nodes'), join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'users'), { recursive: true });
  for (const u of opts.users ?? USERS) writeFileSync(join(dir, 'users', `${u.name}.yaml`), YAML.stringify(u));
  return dir;
}

function merge(into: Record<string, any>, from: Record<string, any>): void {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && into[k] && typeof into[k] === 'object') merge(into[k], v);
    else into[k] = v;
  }
}

export function load(root: string, now = NOW): Fleet {
  const r = loadFleet(root, now);
  if (!r.fleet) throw new Error(`test fleet invalid: ${JSON.stringify(errorsOf(r.diagnostics))}`);
  return r.fleet;
}

export function secretOf(text?: string): MasterSecret {
  return loadMasterSecret(text === undefined ? {} : { FLEET_SECRET: text }, { purpose: 'preview' });
}

/**
 * The demo's self-signed certificate belongs to the demo secret, and the site refuses one
 * made from another key: builds with a test secret carry that secret's certificate, as
 * `fleet node cert --replace` would write it (made once per key, so builds stay byte-equal).
 */
const certificates = new Map<string, string>();
function withMatchingCertificates(fleet: Fleet, secret: MasterSecret): Fleet {
  const store = openCredentialStore(secret, fleet.settings.epoch);
  const nodes = fleet.nodes.map((node) => {
    const tls = node.tls;
    if (tls?.mode !== 'self-signed' || !tls.certificate) return node;
    const key = store.node(node.name, node.rev).selfSignedKey;
    if (certificateMatchesKey(tls.certificate, key.publicKeyPem)) return node;
    const id = `${key.publicKeyPem}|${tls.server_name}|${node.address}`;
    if (!certificates.has(id)) certificates.set(id, makeSelfSignedCertificate({ privateKeyPem: key.privateKeyPem, serverName: tls.server_name, address: node.address }));
    return { ...node, tls: { ...tls, certificate: certificates.get(id)! } };
  });
  return { ...fleet, nodes };
}

export async function build(root: string, out: string, opts: { secret?: string; now?: Date } & Partial<SiteOptions> = {}): Promise<SiteResult & { warnings: string[] }> {
  const warnings: string[] = [];
  const secret = secretOf(opts.secret);
  const fleet = withMatchingCertificates(load(root, opts.now ?? NOW), secret);
  const result = await buildSite(fleet, secret, opts.now ?? NOW, { outDir: out, status: opts.status, baseUrl: opts.baseUrl, threads: opts.threads, warn: (m) => warnings.push(m) });
  return { ...result, warnings };
}

/** Every file under dir (relative paths, sorted), dotfiles included. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full); else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

export { freePort };

/**
 * GET over a fresh connection each time (Connection: close). fetch() keeps connections
 * alive and may reuse one at the very moment http-server closes it as idle: on a loaded
 * machine that failed tests with "fetch failed: other side closed".
 */
export function httpGet(url: string, timeoutMs = 30_000): Promise<{ status: number; text: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text: async () => body });
      });
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/** http-server on loopback, started by path (not npx) so its PID is the server's. */
export async function serve(dir: string): Promise<{ origin: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'http-server'), [dir, '-a', '127.0.0.1', '-p', String(port), '-c-1', '--silent'],
    { stdio: 'ignore', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await httpGet(`${origin}/robots.txt`, 2_000); break; } catch (e) {
      if (i > 100 || child.exitCode !== null) { stopChild(child); throw new Error(`http-server did not start: ${(e as Error).message}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { origin, stop: () => stopChild(child) };
}

export function stopChild(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { try { group ? process.kill(-child.pid!, 'SIGKILL') : child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    try { group ? process.kill(-child.pid!, 'SIGTERM') : process.kill(child.pid!, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

export function removeAll(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
