// Render benchmark (not a test): a generated fleet of 30 nodes × 4 inbounds with 2,000
// users, then 8,000, through the same renderBuild + writeBuild as `fleet render`. Each size
// runs in its own process so peak RSS is that size's own. Goal for 2,000 users: ≤ 5 s;
// peak RSS ≤ 1 GB at both sizes; time growing no faster than the bytes written (ms/MB).
// `cp -r` of the written tree is the floor for the writing part. Usage: npm run bench:render
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFleet } from '../scripts/model/load.ts';
import { renderProfiles } from '../scripts/render/client/index.ts';
import { renderBuild, type RenderProfiles } from '../scripts/render/build.ts';
import { writeBuild } from '../scripts/render/write.ts';
import { CredentialStore } from '../scripts/secrets/index.ts';

const NODES = 30;
const NOW = new Date('2026-11-26T12:00:00Z');
const SECRET = Buffer.from('bench-secret-0123456789abcdef-0123456789abcdef', 'utf8');
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDT7GtNU2w0BNhYeNbP/jqXfAhLt0cu0EbnzUGyw36Y8';
const repo = join(fileURLToPath(import.meta.url), '..', '..');

function generate(dir: string, users: number): void {
  const fleet = readFileSync(join(repo, 'fleet.yaml'), 'utf8').replace(/canary: .*/, 'canary: node-00');
  writeFileSync(join(dir, 'fleet.yaml'), fleet);
  mkdirSync(join(dir, 'nodes'));
  mkdirSync(join(dir, 'users'));
  for (let i = 0; i < NODES; i++) {
    const name = `node-${String(i).padStart(2, '0')}`;
    writeFileSync(join(dir, 'nodes', `${name}.yaml`), [
      `name: ${name}`, 'region: asia-east', 'country: JP', `labels: [${i % 2 ? 'premium' : 'cdn'}]`,
      `address: 203.0.113.${i + 1}`, 'ssh:', '  host_keys:', `    - ${HOST_KEY}`,
      'tls:', '  mode: files', `  server_name: ${name}.example.com`,
      '  certificate_path: /etc/ssl/x.crt', '  key_path: /etc/ssl/x.key',
      'inbounds:', '  - type: vless-reality', '    port: 443', '    handshake_server: www.example.com',
      '  - type: trojan', '    port: 8443', '  - type: shadowsocks', '    port: 8388',
      '  - type: hysteria2', '    port: 443', '    obfs: true', '',
    ].join('\n'));
  }
  for (let u = 0; u < users; u++) {
    // Every tenth user is limited to premium nodes, every fiftieth is in a grace period.
    const extra = u % 10 === 0 ? 'nodes: [label:premium]\n' : u % 50 === 1 ? 'rev: 2\nrotated_at: 2026-11-26T00:00:00Z\n' : '';
    writeFileSync(join(dir, 'users', `user-${u}.yaml`), `name: user-${u}\nenabled: true\n${extra}`);
  }
}

async function measure(users: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-bench-'));
  try {
    generate(dir, users);
    const t0 = performance.now();
    const result = loadFleet(dir, NOW);
    if (!result.fleet) throw new Error(result.diagnostics.slice(0, 3).map((d) => `${d.file}: ${d.message}`).join('\n'));
    const fleet = result.fleet;
    const t1 = performance.now();
    const store = new CredentialStore(SECRET, fleet.settings.epoch);
    // Rendering profiles and writing them overlap (writeBuild walks the lazy user list), so
    // the time spent inside the renderer is summed separately: the rest of that stage is writing.
    let renderMs = 0;
    const timed: RenderProfiles = (f, u, s, now) => {
      const a = performance.now();
      try { return renderProfiles(f, u, s, now); } finally { renderMs += performance.now() - a; }
    };
    const built = renderBuild(fleet, store, NOW, fleet.nodes.map((n) => n.name), timed);
    const t2 = performance.now();
    const out = join(dir, 'build');
    const written = await writeBuild(out, [{ name: 'nodes', entries: built.nodes }, { name: 'users', entries: built.users! }]);
    const t3 = performance.now();
    execFileSync('cp', ['-r', out, join(dir, 'copy')]);
    const t4 = performance.now();
    return {
      users, nodes: NODES, files: written.files, bytes: written.bytes,
      load_s: (t1 - t0) / 1000, nodes_s: (t2 - t1) / 1000, users_s: (t3 - t2) / 1000, render_s: renderMs / 1000,
      total_s: (t3 - t0) / 1000, cp_r_s: (t4 - t3) / 1000,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const s2 = (x: number): string => `${x.toFixed(2)}s`;

const child = process.argv.indexOf('--child');
if (child >= 0) {
  process.stdout.write(JSON.stringify(await measure(Number(process.argv[child + 1]))));
} else {
  const rows: Record<string, number>[] = [];
  for (const users of [2000, 8000]) {
    const raw = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(users)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(raw) as Record<string, number>;
    rows.push(r);
    const mb = r.bytes / 1e6;
    console.log(`${r.nodes} nodes × ${users} users: load ${s2(r.load_s)}, node configs ${s2(r.nodes_s)}, ` +
      `user profiles rendered+written ${s2(r.users_s)} (rendering ${s2(r.render_s)}), total ${s2(r.total_s)}; ` +
      `${r.files} files, ${mb.toFixed(1)} MB written (cp -r of the tree ${s2(r.cp_r_s)}); peak RSS ${Math.round(r.peak_rss_mb)} MB; ` +
      `${(1000 * r.total_s / mb).toFixed(2)} ms/MB total, ${(1000 * r.users_s / mb).toFixed(2)} ms/MB users`);
  }
  const [small, large] = rows;
  const grow = (k: string): string => (large[k] / small[k]).toFixed(2);
  console.log(`8000 vs 2000 users: bytes ×${grow('bytes')}, total time ×${grow('total_s')}, user stage ×${grow('users_s')}`);
  const met = small.total_s <= 5 && small.peak_rss_mb <= 1024 && large.peak_rss_mb <= 1024;
  console.log(`goal (2,000 users ≤ 5 s; peak RSS ≤ 1024 MB at both sizes): ${met ? 'met' : 'MISSED'}`);
}
