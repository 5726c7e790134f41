// Usage collection benchmark (not a test), #18: `fleet usage collect` as a whole process
// (started like `npm run fleet`, from the bundle) reading 50 harness nodes that run the
// stats build, each holding a ledger of 2,000 users, into a bare Git repository as the
// status branch. Ledgers are seeded on the nodes (moving real traffic for 100,000 user
// entries is not what is measured); every node folds its live counters as in production.
// Prints wall time per collection and what each collection added to Git, with the goal
// (≤ 10 s per collection) and MET or MISSED; never fails on a number.
// Run: npm run build && npx tsx bench/usage.ts [--nodes N] [--users N]   (root; harness namespaces only)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHosts, type TestHost } from '../test/harness/index.ts';
import { run, runSync } from '../test/harness/proc.ts';
import { leftovers, makeTestFleet, markTestHost, nodeYaml, TEST_SECRET, VERSION } from '../test/deploy/helpers.ts';
import { statsBuild } from '../test/tools/index.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const NOW = '2026-12-03T12:00:00Z';
const GOAL_S = 10;
const arg = (name: string, def: number): number => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };

function missingPrerequisites(): string[] {
  const missing: string[] = [];
  const has = (cmd: string): boolean => runSync('sh', ['-c', `command -v ${cmd}`]).code === 0;
  for (const [cmd, pkg] of [['sshd', 'openssh-server'], ['jq', 'jq'], ['nft', 'nftables'], ['ip', 'iproute2'], ['git', 'git']]) if (!has(cmd!)) missing.push(`${cmd}: apt-get install -y ${pkg}`);
  try { statsBuild(); } catch (e) { missing.push((e as Error).message); }
  if (process.getuid?.() !== 0) missing.push('root (network namespaces and the harness hosts need it)');
  return missing;
}

/** A ledger of `users` entries with different totals, as boxfleet-usage writes it. */
function ledger(users: string[], seed: number): string {
  const totals = Object.fromEntries(users.map((u, i) => [u, { up: (i + 1) * 1000 + seed, down: (i + 1) * 7000 + seed }]));
  return JSON.stringify({ ledger: (seed + 0x1000000000000).toString(16).padStart(16, '0').slice(-16), seq: 0, acked: 0, process: '', base: {}, totals }) + '\n';
}

const gitBytes = (bare: string): number => {
  const v = execFileSync('git', ['-C', bare, 'count-objects', '-v'], { encoding: 'utf8' });
  const kb = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(v)?.[1] ?? 0);
  return (kb('size') + kb('size-pack')) * 1024;
};

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length) {
    console.error(`bench:usage cannot run yet:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    process.exitCode = 2;
    return;
  }
  const nodes = arg('nodes', 50);
  const userCount = arg('users', 2000);
  const build = runSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
  const before = leftovers();
  const stats = statsBuild();
  console.error(`starting ${nodes} harness hosts with the stats build, ${userCount} users…`);
  const hosts = await startHosts(nodes);
  const bare = mkdtempSync(join(tmpdir(), 'boxfleet-bench-usage-'));
  const users = Array.from({ length: userCount }, (_, i) => `u${String(i).padStart(5, '0')}`);
  const tf = await makeTestFleet(hosts, {
    release: { version: VERSION, tarball: readFileSync(stats.tarball), sha256: stats.sha256 },
    // Trojan, Shadowsocks-2022 and Hysteria2 on every node (no Reality: no site to borrow here).
    node: (h, _i, store) => nodeYaml(h, store, []),
    users: users.map((name) => ({ name, rev: 1 })),
    settings: (f) => { f.singbox = { ...f.singbox, build: 'stats' }; f.deploy = { canary: hosts.hosts[0]!.name, parallel: 16, max_fail_percent: 34 }; },
    now: NOW,
  });
  const lines: string[] = [];
  try {
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    for (let i = 0; i < nodes; i += 8) {
      await Promise.all(hosts.hosts.slice(i, i + 8).map(async (h) => {
        await markTestHost(h);
        const b = await tf.cli(['bootstrap', h.name, '--identity', hosts.clientKeyPath]);
        if (b.code !== 0) throw new Error(`bootstrap ${h.name} failed:\n${b.err}`);
      }));
    }
    const d = await tf.cli(['deploy', '--identity', hosts.clientKeyPath]);
    if (d.code !== 0) throw new Error(`deploy failed:\n${d.out}\n${d.err}`);
    const seed = async (round: number) => Promise.all(hosts.hosts.map((h: TestHost, i) => h.put('/var/lib/boxfleet/usage.json', ledger(users, round * 100 + i))));
    const collect = async (): Promise<{ s: number; bytes: number; out: string }> => {
      const g0 = gitBytes(bare);
      const t0 = performance.now();
      const r = await run(process.execPath, [join(REPO, 'scripts/launch.mjs'), 'usage', 'collect', '--root', tf.dir, '--identity', hosts.clientKeyPath, '--repo', bare, '--now', NOW, '--format', 'json'],
        { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: TEST_SECRET, BOXFLEET_SSH_CONNECT_TIMEOUT: '3' }, timeoutMs: 600_000 });
      const s = (performance.now() - t0) / 1000;
      if (r.code !== 0) throw new Error(`usage collect exited ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
      return { s, bytes: gitBytes(bare) - g0, out: r.stdout };
    };
    await seed(1);
    const first = await collect();
    const steady = await collect();
    const file = execFileSync('git', ['-C', bare, 'show', `fleet-status:usage/${NOW.slice(0, 7)}.json`], { maxBuffer: 1 << 30 }).length;
    lines.push('', `usage collect benchmark (#18): ${nodes} harness nodes running the stats build (sing-box ${VERSION} + boxfleet-usage), ${userCount} users each, a bare Git repository as the status branch`,
      `  first collection (every node's ledger new):  ${first.s.toFixed(2)} s, ${(first.bytes / 1e6).toFixed(2)} MB added to Git`,
      `  next collection (nothing grew):              ${steady.s.toFixed(2)} s, ${(steady.bytes / 1e6).toFixed(2)} MB added to Git`,
      `  usage/${NOW.slice(0, 7)}.json: ${(file / 1e6).toFixed(2)} MB (per node a cursor of ${userCount} entries, per user the month's bytes)`,
      `  goal: a collection ≤ ${GOAL_S} s: ${Math.max(first.s, steady.s).toFixed(2)} s — ${Math.max(first.s, steady.s) <= GOAL_S ? 'MET' : 'MISSED'}`, '');
  } finally {
    await tf.cleanup();
    await hosts.stop();
    rmSync(bare, { recursive: true, force: true });
  }
  const left = leftovers().filter((x) => !before.includes(x));
  if (left.length) lines.push(`LEFT BEHIND: ${left.join(', ')}`);
  console.log(lines.join('\n'));
}

try {
  await main();
} catch (e) {
  console.error((e as Error).stack ?? String(e));
  process.exitCode = 1;
}
