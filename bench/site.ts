// Benchmark of `fleet site` on a large fleet (30 nodes × 2,000 users): full build time
// (profiles + pages + QR codes + writing), peak RSS and output size, next to a plain
// `cp -r` of the same output as the floor any build must pay. Goal: ≤ 10 s. Not a test.
// Run: npx tsx bench/site.ts [--users N] [--nodes N]   (SITE_THREADS=1 forces one thread)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadFleet } from '../scripts/model/load.ts';
import { loadMasterSecret } from '../scripts/secrets/index.ts';
import { buildSite } from '../scripts/site/build.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NODES = arg('nodes', 30);
const USERS = arg('users', 2000);
const REGIONS = ['asia-east', 'asia-southeast', 'europe', 'us'];
const NOW = new Date('2026-11-26T12:00:00Z');

function makeFleet(root: string): void {
  mkdirSync(join(root, 'nodes'));
  mkdirSync(join(root, 'users'));
  writeFileSync(join(root, 'fleet.yaml'), YAML.stringify({
    name: 'bench', epoch: 1, labels: { premium: 'premium nodes' },
    site: { base_url: 'https://sub.example.com', host: 'cloudflare', language: 'en', contact: 'ops@example.com' },
    singbox: { version: '1.12.24' }, users: { rotation_grace: '48h' },
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
      ],
    }));
  }
  for (let i = 0; i < USERS; i++) {
    const u: Record<string, unknown> = { name: `user-${String(i).padStart(4, '0')}`, enabled: i % 50 !== 0, rev: 1, region: REGIONS[i % REGIONS.length] };
    if (i % 4 === 0) u.quota_gb = 100;
    if (i % 7 === 0) { u.rev = 2; u.rotated_at = '2026-11-26T00:00:00Z'; }
    writeFileSync(join(root, 'users', `${u.name}.yaml`), YAML.stringify(u));
  }
}

const work = process.env.BENCH_KEEP ?? mkdtempSync(join(tmpdir(), "boxfleet-bench-site-"));
try {
  const root = join(work, 'fleet');
  mkdirSync(root);
  makeFleet(root);
  const out = join(work, 'site');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const loaded = loadFleet(root, NOW);
  if (!loaded.fleet) throw new Error(JSON.stringify(loaded.diagnostics.slice(0, 3)));
  const t1 = performance.now();
  const secret = loadMasterSecret({ FLEET_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef' }, { purpose: 'preview' });
  const threads = process.env.SITE_THREADS ? Number(process.env.SITE_THREADS) : undefined;
  const r = await buildSite(loaded.fleet, secret, NOW, { outDir: out, threads, warn: () => {} });
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const c0 = performance.now();
  execFileSync('cp', ['-r', out, join(work, 'copy')]);
  const c1 = performance.now();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`fleet: ${NODES} nodes × ${USERS} users (${r.links.length} active, ${r.folders} token folders)`);
  console.log(`load + validate:   ${s(t1 - t0)}`);
  console.log(`site build:        ${s(t2 - t1)}  (render + pages + QR + write)`);
  console.log(`total:             ${s(t2 - t0)}  (goal ≤ 10 s)`);
  console.log(`CPU (all threads):  ${s((cpu.user + cpu.system) / 1000)}  (${r.folders > 0 ? (((cpu.user + cpu.system) / 1000) / r.links.length).toFixed(1) : '?'} ms per active user)`);
  console.log(`  of which:        user ${s(cpu.user / 1000)}, system ${s(cpu.system / 1000)}  (system: mostly the kernel creating files and folders)`);
  console.log(`load average:      ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows wall time)`);
  console.log(`cp -r of output:   ${s(c1 - c0)}`);
  console.log(`output:            ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB`);
  console.log(`peak RSS:          ${rssMb.toFixed(0)} MB`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
