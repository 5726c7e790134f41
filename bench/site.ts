// Benchmark of `fleet site` and `fleet publish` for large fleets (#16): 30 nodes × 4
// inbounds, 2,000 and 10,000 users, 10% of them in a rotation grace period (their old
// folder carries a full copy). Per size: files, bytes, bytes per token folder, the tar
// exactly as actions/upload-pages-artifact packs it (hard links dereferenced), and a
// from-scratch build on tmpfs (median of 3; `fleet site` from the bundle as a whole
// process, as pages.yml runs it: in Actions, so every credential is masked first) next to
// `cp -r` of its own output on the same tmpfs. Then the object-storage target on the
// largest size: SeaweedFS on a harness host,
// requests and time of a first publish, a one-user change, and a publish after one node
// went down (health ordering reorders every user's profiles). Not a test.
// Run: npm run build && npx tsx bench/site.ts [--users 2000,10000] [--nodes 30] [--runs 3] [--no-s3]   (root for --s3)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadFleet } from '../scripts/model/load.ts';
import type { Fleet } from '../scripts/model/types.ts';
import { siteObjects } from '../scripts/publish/objects.ts';
import { publishSite } from '../scripts/publish/publish.ts';
import { s3Store } from '../scripts/publish/store.ts';
import { loadMasterSecret } from '../scripts/secrets/index.ts';
import { buildSite, userLinks } from '../scripts/site/build.ts';
import { PROFILE_FILES } from '../scripts/site/deeplinks.ts';
import { qrDataUrl } from '../scripts/site/qr.ts';
import type { StatusView } from '../scripts/site/status-adapter.ts';
import { startHosts } from '../test/harness/index.ts';
import { startS3 } from '../test/harness/s3.ts';
import { TOOLS_DIR, TOOL_VERSIONS } from '../test/tools/index.ts';

const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SIZES = opt('users', '2000,10000').split(',').map(Number);
const NODES = Number(opt('nodes', '30'));
const RUNS = Number(opt('runs', '3'));
const S3 = !process.argv.includes('--no-s3');
const REGIONS = ['asia-east', 'asia-southeast', 'europe', 'us'];
const NOW = new Date('2026-11-26T12:00:00Z');
const SECRET_TEXT = 'bench-secret-0123456789abcdef0123456789abcdef';
const SECRET = loadMasterSecret({ FLEET_SECRET: SECRET_TEXT }, { purpose: 'publish' });
const LAUNCH = join(import.meta.dirname, '..', 'scripts', 'launch.mjs');
const PAGES_LIMIT = 1_000_000_000;

function prerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync('/dev/shm')) missing.push('a tmpfs at /dev/shm');
  try { execFileSync('tar', ['--version'], { stdio: 'ignore' }); } catch { missing.push('GNU tar (apt-get install -y tar)'); }
  const say = spawnSync('node', [LAUNCH, '--help'], { env: { ...process.env, BOXFLEET_LAUNCH_SAY: '1' }, encoding: 'utf8' });
  if (!say.stderr?.includes('launch: .build/fleet.mjs')) missing.push('a current bundle of the CLI, as pages.yml runs it: run `npm run build`');
  if (S3) {
    if (process.getuid?.() !== 0) missing.push('root, for the harness host that runs SeaweedFS (or pass --no-s3)');
    if (!existsSync(join(TOOLS_DIR, `seaweedfs-${TOOL_VERSIONS.seaweedfs}`, 'weed'))) missing.push('SeaweedFS: run `bash test/tools/build.sh` (or pass --no-s3)');
  }
  return missing;
}

function makeFleet(root: string, users: number): void {
  mkdirSync(join(root, 'nodes'), { recursive: true });
  mkdirSync(join(root, 'users'));
  writeFileSync(join(root, 'fleet.yaml'), YAML.stringify({
    name: 'bench', epoch: 1, labels: { premium: 'premium nodes' },
    regions: Object.fromEntries(REGIONS.map((r) => [r, { title: { en: r, 'zh-CN': r } }])),
    site: { base_url: 'https://sub.example.com', host: 'plain', language: 'en', contact: 'ops@example.com' },
    singbox: { version: '1.12.25' }, users: { rotation_grace: '48h' },
  }));
  for (let i = 1; i <= NODES; i++) {
    const name = `node-${String(i).padStart(2, '0')}`;
    writeFileSync(join(root, 'nodes', `${name}.yaml`), YAML.stringify({
      name, title: `Node ${i}`, region: REGIONS[i % REGIONS.length], country: 'JP', labels: i % 3 === 0 ? ['premium'] : [], rev: 1,
      arch: 'amd64', address: `198.51.100.${i}`,
      ssh: { port: 22, user: 'boxfleet', bootstrap_user: 'root', host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8'] },
      tls: { mode: 'acme', server_name: `${name}.example.com`, acme: { email: 'ops@example.com', challenge: 'http-01' } },
      inbounds: [
        { type: 'vless-reality', port: 443, handshake_server: 'www.example.com', short_id_count: 2 },
        { type: 'trojan', port: 8443 },
        { type: 'hysteria2', port: 443, obfs: true },
        { type: 'tuic', port: 8443 },
      ],
    }));
  }
  for (let i = 0; i < users; i++) writeUser(root, i);
}

function writeUser(root: string, i: number): void {
  const u: Record<string, unknown> = { name: `user-${String(i).padStart(5, '0')}`, enabled: i % 50 !== 1, rev: 1, region: REGIONS[i % REGIONS.length] };
  if (i % 4 === 0) u.quota_gb = 100;
  // 10% in the rotation grace period: their previous token's folder gets a full copy.
  if (i % 10 === 0) { u.rev = 2; u.rotated_at = '2026-11-26T00:00:00Z'; }
  writeFileSync(join(root, 'users', `${u.name}.yaml`), YAML.stringify(u));
}

function load(root: string): Fleet {
  const r = loadFleet(root, NOW);
  if (!r.fleet) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error').slice(0, 3)));
  return r.fleet;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');

/** Bytes of the tar upload-pages-artifact makes: `tar --dereference --hard-dereference -cf … .` */
function pagesTarBytes(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['--dereference', '--hard-dereference', '--directory', dir, '-cf', '-', '--exclude=.git', '--exclude=.github', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let n = 0;
    tar.stdout.on('data', (b: Buffer) => { n += b.length; });
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve(n) : reject(new Error(`tar exited ${code}`))));
  });
}

async function benchSize(work: string, users: number): Promise<{ root: string; out: string; fleet: Fleet }> {
  const root = join(work, `fleet-${users}`);
  makeFleet(root, users);
  const fleet = load(root);
  const builds: number[] = [];
  const cpus: { user: number; system: number }[] = [];
  const copies: number[] = [];
  let result: SiteSummary | undefined;
  const out = join(work, `site-${users}`);
  for (let i = 0; i < RUNS; i++) {
    rmSync(out, { recursive: true, force: true });
    const run = fleetSite(root, out);
    builds.push(run.ms);
    cpus.push(run.cpu);
    result = run.result;
    const copy = join(work, `copy-${users}`);
    rmSync(copy, { recursive: true, force: true });
    const c0 = performance.now();
    execFileSync('cp', ['-r', out, copy]);
    copies.push(performance.now() - c0);
    rmSync(copy, { recursive: true, force: true });
  }
  const r = result!;
  const tar = await pagesTarBytes(out);
  const folderBytes = siteObjects(out, 'x').filter((o) => o.key.startsWith('s/'));
  const activeFolders = new Map<string, number>();
  for (const o of folderBytes) {
    const folder = o.key.split('/')[1];
    activeFolders.set(folder, (activeFolders.get(folder) ?? 0) + o.size);
  }
  const full = [...activeFolders.values()].filter((b) => b > 20_000);
  const perFolder = full.reduce((a, b) => a + b, 0) / Math.max(1, full.length);
  // What each of an active folder's four files takes (inactive users' folders hold one small page).
  const perFile = new Map<string, number>();
  for (const o of folderBytes) {
    if ((activeFolders.get(o.key.split('/')[1]) ?? 0) <= 20_000) continue;
    const file = o.key.split('/').slice(2).join('/');
    perFile.set(file, (perFile.get(file) ?? 0) + o.size);
  }
  const cpu = cpus[builds.indexOf(median(builds))];
  const ratio = median(builds) / median(copies);
  console.log(`\n${users.toLocaleString('en-US')} users (${r.active} active, ${r.folders} token folders), ${NODES} nodes × 4 inbounds`);
  console.log(`  output:              ${r.files.toLocaleString('en-US')} files, ${mb(r.bytes)}`);
  console.log(`  per active folder:   ${(perFolder / 1000).toFixed(1)} KB (page + 3 profiles)   goal ≤ 80 KB: ${verdict(perFolder <= 80_000)}`);
  console.log(`    of which:          ${[...perFile].sort().map(([f, b]) => `${f} ${(b / Math.max(1, full.length) / 1000).toFixed(1)} KB`).join(', ')}`);
  console.log(`  Pages artifact tar:  ${tar.toLocaleString('en-US')} bytes   goal ≤ ${PAGES_LIMIT.toLocaleString('en-US')}${users >= 10_000 ? `: ${verdict(tar <= PAGES_LIMIT)}` : ''}`);
  console.log(`  build from scratch:  median ${s(median(builds))} of ${builds.map(s).join(', ')} (\`fleet site\` as a whole process with GITHUB_ACTIONS=true, as pages.yml runs it, tmpfs)   CPU user ${s(cpu.user)}, system ${s(cpu.system)}`);
  console.log(`  cp -r of its output: median ${s(median(copies))} of ${copies.map(s).join(', ')}`);
  // The issue sets its goals at 10,000 users; smaller fleets print the figures without a verdict.
  console.log(`  build ÷ cp -r:       ${ratio.toFixed(1)}×   goal ≤ 3×${users >= 10_000 ? `: ${verdict(ratio <= 3)}` : ' (at 10,000 users)'}`);
  const qr = qrShare(userLinks(fleet, SECRET, NOW).map((l) => l.url.slice(0, l.url.lastIndexOf('/') + 1)));
  console.log(`  QR codes alone:      ${qr.count.toLocaleString('en-US')} (3 per active user), ${(qr.ms * 1000 / qr.count).toFixed(0)} µs each, ${s(qr.ms)} of CPU: at least ${s(qr.ms / 2)} on two cores, ${Math.round(qr.ms / 2 / (3 * median(copies)) * 100)}% of the 3 × cp -r budget`);
  return { root, out, fleet };
}

interface SiteSummary { active: number; folders: number; files: number; bytes: number }

/**
 * `fleet site` as pages.yml runs it: the bundle `npm run build` wrote, as a whole process
 * (loading the fleet included), inside GitHub Actions (GITHUB_ACTIONS=true: every
 * credential is masked on stderr before the workers start), its CPU read from bash's `times`.
 */
function fleetSite(root: string, out: string): { ms: number; cpu: { user: number; system: number }; result: SiteSummary } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', 'node "$0" site --root "$1" --out "$2" --now "$3" && times', LAUNCH, root, out, NOW.toISOString()], {
    env: { ...process.env, FLEET_SECRET: SECRET_TEXT, BOXFLEET_LAUNCH_SAY: '1', GITHUB_ACTIONS: 'true' }, encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024, // the mask commands: about 1.5 MB at 10,000 users
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`fleet site exited ${r.status}: ${r.stderr}`);
  if (!r.stderr.includes('launch: .build/fleet.mjs')) throw new Error('fleet site ran from the TypeScript, not the bundle: run `npm run build` first');
  const m = /site: (\d+) active users, (\d+) token folders, (\d+) files/.exec(r.stdout);
  const times = r.stdout.trim().split('\n').at(-1)!.split(/\s+/).map((t) => { const [, min, sec] = /(\d+)m([\d.]+)s/.exec(t)!; return Number(min) * 60 + Number(sec); });
  if (!m || times.length !== 2) throw new Error(`unexpected output of fleet site: ${r.stdout}`);
  const bytes = siteObjects(out, 'x').reduce((a, o) => a + o.size, 0);
  return { ms, cpu: { user: times[0] * 1000, system: times[1] * 1000 }, result: { active: Number(m[1]), folders: Number(m[2]), files: Number(m[3]), bytes } };
}

/**
 * The QR codes every page carries (one per profile file), drawn again on one thread: what
 * they cost a build whatever else gets faster (bench only; the build draws them in its
 * worker threads).
 */
function qrShare(folders: string[]): { count: number; ms: number } {
  const t0 = performance.now();
  let count = 0;
  for (const folder of folders) for (const file of PROFILE_FILES) { qrDataUrl(`${folder}${file}`); count++; }
  return { count, ms: performance.now() - t0 };
}

/** Every node up, with latency; then `down` down: health ordering moves it last for everyone. */
function statusWith(fleet: Fleet, down?: string): StatusView {
  const nodes: StatusView['nodes'] = {};
  fleet.nodes.forEach((n, i) => {
    nodes[n.name] = { state: n.name === down ? 'down' : 'up', latency: { [n.region]: 40 + i }, history: {}, points: [] };
  });
  return { updated: NOW.toISOString(), nodes, incidents: [] };
}

async function benchS3(work: string, size: { root: string; out: string; fleet: Fleet }): Promise<void> {
  console.log(`\nobject-storage target: SeaweedFS ${TOOL_VERSIONS.seaweedfs} on a harness host, ${size.fleet.users.length.toLocaleString('en-US')} users`);
  const hosts = await startHosts(1, { names: ['store'] });
  try {
    const s3 = await startS3(hosts.hosts[0], { volumes: 128 });
    const target = { endpoint: s3.endpoint, bucket: s3.bucket, region: 'auto', prefix: '', path_style: true };
    const publish = async (what: string) => {
      const store = s3Store(target, { ...s3.publisher });
      try {
        const r = await publishSite(store, siteObjects(size.out, 'bench'), SECRET.secret, { now: NOW });
        console.log(`  ${what.padEnd(30)} ${String(r.requests).padStart(6)} requests, ${s(r.ms).padStart(8)}  (${r.put.length} uploaded, ${r.remove.length} deleted)`);
        return r;
      } finally { store.close(); }
    };
    const rebuild = async (status?: StatusView) => {
      await buildSite(load(size.root), SECRET, NOW, { outDir: size.out, status, warn: () => {} });
    };
    await rebuild(statusWith(size.fleet));
    await publish('first publish:');
    writeUser(size.root, size.fleet.users.length + 2); // an active user with no grace copy
    await rebuild(statusWith(size.fleet));
    const one = await publish('one user added:');
    await rebuild(statusWith(size.fleet, size.fleet.nodes[0].name));
    await publish('one node down:');
    console.log(`  one-user change goal ≤ 10 requests and < 5 s: ${verdict(one.requests <= 10 && one.ms < 5000)}`);
    s3.close();
  } finally {
    await hosts.stop();
  }
}

const missing = prerequisites();
if (missing.length) {
  console.error(`bench:site needs: ${missing.join('; ')}`);
  process.exit(2);
}
const work = mkdtempSync('/dev/shm/boxfleet-bench-site-');
try {
  console.log(`fleet site benchmark (#16): ${NODES} nodes × 4 inbounds, 10% of users in a grace period, output on tmpfs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let last: Awaited<ReturnType<typeof benchSize>> | undefined;
  for (const users of SIZES) last = await benchSize(work, users);
  if (S3 && last) await benchS3(work, last);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
}
