// #18 items 1 and 2, counters from a stats build and a ledger that loses nothing: the node
// runs sing-box built with with_v2ray_api (and boxfleet-usage beside it, from the same
// release tarball), the config `render` writes for `singbox.build: stats` turns on the V2Ray
// API's per-user counters, and two users moving known amounts through every inbound type
// are counted to within 5% of their payload. The official build refuses that config, so a
// node that got the wrong binary fails `sing-box check` before the swap, never silently.
// Then `fleet usage collect` against a bare status repository: counts survive a restart,
// a node black-holed for two collections loses nothing, a collector killed between storing
// and acknowledging counts nothing twice.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopMuxMasters, useHosts } from '../harness/index.ts';
import { SESSION_DIR_PREFIX } from '../../scripts/deploy/ssh.ts';
import { cleanCopies, demoCopy, fleet } from '../model/helpers.ts';
import { singboxBin, singboxStatsBin, statsBuild, TOOL_VERSIONS } from '../tools/index.ts';
import { installClients, runMihomo } from '../real/clients.ts';
import { leftovers } from '../deploy/helpers.ts';
import { buildWorld, type World } from '../real/world.ts';
import { byUser, queryStats } from './stats-api.ts';

const MB = 1024 * 1024;
/** What each user moves through every inbound: different amounts, so a mix-up shows. */
const PAYLOAD = { alice: { up: 1 * MB, down: 2 * MB }, rita: { up: 2 * MB, down: 1 * MB } } as const;
type Name = keyof typeof PAYLOAD;

describe('singbox.build: stats renders a config only the stats build accepts', () => {
  afterAll(cleanCopies);
  it('the stats build passes `sing-box check`; the official build refuses it, naming the missing API', async () => {
    const dir = demoCopy();
    writeFileSync(join(dir, 'fleet.yaml'), readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace(/^  build: official$/m, '  build: stats'));
    const out = mkdtempSync(join(tmpdir(), 'boxfleet-stats-render-'));
    try {
      const r = await fleet(dir, ['render', '--out', out]);
      expect(r.code, r.err).toBe(0);
      const file = join(out, 'nodes', 'tokyo-1', 'config.json');
      const cfg = JSON.parse(readFileSync(file, 'utf8'));
      expect(cfg.experimental.v2ray_api.listen).toBe('127.0.0.1:9091');
      expect(cfg.experimental.v2ray_api.stats.users).not.toContain('boxfleet-probe');
      expect(cfg.experimental.v2ray_api.stats.users.length).toBeGreaterThan(0);
      execFileSync(singboxStatsBin(), ['check', '-c', file], { stdio: 'pipe' });
      let refused = '';
      try { execFileSync(singboxBin(), ['check', '-c', file], { stdio: 'pipe' }); } catch (e) { refused = String((e as { stderr: Buffer }).stderr); }
      expect(refused).toMatch(/v2ray api is not included in this build/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('per-user counters of the stats build on a real node', () => {
  const hosts = useHosts(4, { names: ['node', 'client', 'web', 'camo'] });
  let w: World;
  let siteDir: string;
  const profiles = {} as Record<Name, string>;
  let proxies: string[] = [];

  beforeAll(async () => {
    // The tarball scripts/usage/build-stats.sh makes, pinned and installed as a fleet would.
    const stats = statsBuild();
    w = await buildWorld(hosts(), 'global', { release: { version: TOOL_VERSIONS.singbox.pinned, tarball: readFileSync(stats.tarball), sha256: stats.sha256 }, statsBuild: true });
    await installClients(w.client);
    siteDir = mkdtempSync(join(tmpdir(), 'boxfleet-stats-site-'));
    const s = await w.tf.cli(['site', '--out', siteDir]);
    expect(s.code, s.err).toBe(0);
    for (const user of Object.keys(PAYLOAD) as Name[]) {
      const l = await w.tf.cli(['links', '--user', user, '--format', 'json']);
      expect(l.code, l.err).toBe(0);
      const path = new URL((JSON.parse(l.out) as { url: string }[])[0]!.url).pathname;
      profiles[user] = readFileSync(join(siteDir, path, 'mihomo.yaml'), 'utf8');
    }
    const doc = parse(profiles.alice, { merge: true }) as { proxies: { name: string; server: string }[] };
    proxies = doc.proxies.filter((p) => p.server === w.node.ip).map((p) => p.name);
    for (const [user, p] of Object.entries(PAYLOAD)) await w.client.exec(['sh', '-c', `head -c ${p.up} /dev/urandom > /root/up-${user}.bin`], { check: true });
  }, 300_000);
  afterAll(async () => {
    await w?.cleanup();
    if (siteDir) rmSync(siteDir, { recursive: true, force: true });
    if (bare) rmSync(bare, { recursive: true, force: true });
    if (collectorKey) rmSync(dirname(collectorKey), { recursive: true, force: true });
  });

  /** One user's upload and download through one proxy of their own profile. */
  async function move(user: Name, proxy: string): Promise<void> {
    const run = await runMihomo(w.client, profiles[user], proxy);
    try {
      const port = (parse(profiles[user], { merge: true }) as { 'mixed-port': number })['mixed-port'];
      const via = ['-sS', '-m', '30', '-x', `http://127.0.0.1:${port}`, '-o', '/dev/null', '-w', '%{http_code}'];
      // The first dial (a QUIC handshake for Hysteria2 and TUIC) may fail while the client
      // settles: the counted transfers start only once a small request went through.
      let warm = '';
      for (let i = 0; i < 6 && warm !== '204'; i++) {
        if (i) await new Promise((r) => setTimeout(r, 1000));
        warm = (await run.fetch(`http://${w.webIp}/generate_204`)).status;
      }
      expect(warm, `${user} via ${proxy}: the proxy never answered\n${await run.log()}`).toBe('204');
      const up = await w.client.exec(['curl', ...via, '--data-binary', `@/root/up-${user}.bin`, `http://${w.webIp}/upload`], { timeoutMs: 60_000 });
      const down = await w.client.exec(['curl', ...via, `http://${w.webIp}/bytes/${PAYLOAD[user].down}`], { timeoutMs: 60_000 });
      expect([up.stdout, down.stdout], `${user} via ${proxy}: ${up.stderr}${down.stderr}\n${await run.log()}`).toEqual(['204', '200']);
    } finally {
      await run.stop();
    }
  }

  it('every inbound type counts each user\'s bytes to within 5% of the payload, and never the probe user', async () => {
    expect(proxies.length).toBeGreaterThanOrEqual(10);
    await queryStats(w.node, undefined, true); // bootstrap and deploy checks are not the users'
    const rows: string[] = [];
    for (const proxy of proxies) {
      for (const user of Object.keys(PAYLOAD) as Name[]) await move(user, proxy);
      const counted = byUser(await queryStats(w.node, undefined, true));
      expect(Object.keys(counted).sort(), proxy).toEqual(['alice', 'rita']);
      for (const user of Object.keys(PAYLOAD) as Name[]) {
        const c = counted[user]!;
        const p = PAYLOAD[user];
        rows.push(`${proxy} ${user}: up ${c.up} / ${p.up} (+${((c.up / p.up - 1) * 100).toFixed(2)}%), down ${c.down} / ${p.down} (+${((c.down / p.down - 1) * 100).toFixed(2)}%)`);
        // The generate_204 checks and HTTP headers ride on top of the payload: a little over, never under.
        expect(c.up, rows.at(-1)).toBeGreaterThanOrEqual(p.up);
        expect(c.up, rows.at(-1)).toBeLessThanOrEqual(p.up * 1.05);
        expect(c.down, rows.at(-1)).toBeGreaterThanOrEqual(p.down);
        expect(c.down, rows.at(-1)).toBeLessThanOrEqual(p.down * 1.05);
      }
    }
    mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'test-results', 'usage-counters.md'), `# Per-user counters of the stats build (test/usage/stats.test.ts)\n\n${rows.map((r) => `- ${r}`).join('\n')}\n`);
  }, 600_000);
  // ---- the ledger and the collector -------------------------------------------------------
  let bare = '';
  let collectorKey = '';
  const collect = (extra: string[] = []) => w.tf.cli(['usage', 'collect', '--identity', collectorKey, '--repo', bare, '--format', 'json', ...extra]);

  it('the collector\'s own user (usage.collector_key) may read and acknowledge the ledger, and do nothing else as root', async () => {
    collectorKey = join(mkdtempSync(join(tmpdir(), 'boxfleet-collector-')), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', collectorKey]);
    w.tf.edit('fleet.yaml', (f) => { f.usage = { ...f.usage, collector_key: readFileSync(`${collectorKey}.pub`, 'utf8').trim() }; });
    const b = await w.tf.cli(['bootstrap', 'n1', '--as-root', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err + b.out).toBe(0);
    const asCollector = (cmd: string) => w.node.exec(['bash', '-c', `runuser -u boxfleet-collect -- sudo -n /usr/local/sbin/boxfleet-node ${cmd} 2>&1; echo "rc=$?"`]);
    expect((await asCollector('usage-read')).stdout).toMatch(/"ledger":"[0-9a-f]{16}".*\nrc=0/s);
    for (const cmd of ['status', 'session', 'refresh', 'usage-ack /etc/shadow', "'usage-read; id'"]) {
      expect((await asCollector(cmd)).stdout, cmd).toMatch(/a password is required|not allowed|sorry/i);
    }
    // Its key logs in as boxfleet-collect only: the deploy user does not take it.
    const opts = hosts().sshOptions().filter((o) => o !== '-o' && !o.startsWith('IdentityFile=')).flatMap((o) => ['-o', o]);
    const login = (user: string) => spawnSync('ssh', ['-F', '/dev/null', ...opts, '-o', `IdentityFile=${collectorKey}`, `${user}@${w.node.ip}`, 'id -un'], { encoding: 'utf8', timeout: 30_000 });
    const ok = login('boxfleet-collect');
    expect(ok.stdout.trim(), ok.stderr).toBe('boxfleet-collect');
    expect(login('boxfleet').stderr).toMatch(/Permission denied/);
  }, 120_000);
  /** What the status branch holds for the month, per user (pulled like the site pulls it). */
  async function stored(): Promise<Record<string, { up: number; down: number }>> {
    const out = mkdtempSync(join(tmpdir(), 'boxfleet-usage-pull-'));
    try {
      const p = await w.tf.cli(['status', 'pull', '--repo', bare, '--out', out]);
      expect(p.code, p.err).toBe(0);
      const u = await w.tf.cli(['usage', '--status', out, '--format', 'json']);
      expect(u.code, u.err).toBe(0);
      return Object.fromEntries((JSON.parse(u.out).users as { user: string; up: number; down: number }[]).map((r) => [r.user, { up: r.up, down: r.down }]));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const ledger = async () => JSON.parse((await w.node.exec(['cat', '/var/lib/boxfleet/usage.json'], { check: true })).stdout) as { seq: number; acked: number };
  const grew = (a: Record<string, { up: number; down: number }>, b: Record<string, { up: number; down: number }>, user: Name) => ({ up: (b[user]?.up ?? 0) - (a[user]?.up ?? 0), down: (b[user]?.down ?? 0) - (a[user]?.down ?? 0) });
  const expectGrowth = (g: { up: number; down: number }, user: Name, times: number) => {
    expect(g.up).toBeGreaterThanOrEqual(PAYLOAD[user].up * times);
    expect(g.up).toBeLessThanOrEqual(PAYLOAD[user].up * times * 1.05);
    expect(g.down).toBeGreaterThanOrEqual(PAYLOAD[user].down * times);
    expect(g.down).toBeLessThanOrEqual(PAYLOAD[user].down * times * 1.05);
  };

  it('usage collect stores every user\'s bytes, then acknowledges; again without traffic it adds nothing', async () => {
    bare = mkdtempSync(join(tmpdir(), 'boxfleet-usage-bare-'));
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    // A node's first read is its baseline: what it counted before collection began (the
    // test above moved a lot) is nobody's this period.
    const baseline = await collect();
    expect(baseline.code, baseline.err + baseline.out).toBe(0);
    expect(JSON.parse(baseline.out)).toMatchObject([{ node: 'n1', ok: true, added_bytes: 0, acknowledged: true }]);
    expect(Object.values(await stored()).every((b) => b.up + b.down === 0)).toBe(true);
    for (const user of Object.keys(PAYLOAD) as Name[]) await move(user, proxies[0]!);
    const first = await collect();
    expect(first.code, first.err + first.out).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject([{ node: 'n1', ok: true, acknowledged: true }]);
    const a = await stored();
    for (const user of Object.keys(PAYLOAD) as Name[]) expect(a[user]!.up + a[user]!.down).toBeGreaterThan(0);
    expect(Object.keys(a).filter((u) => (a[u]!.up + a[u]!.down) > 0).sort()).toEqual(['alice', 'rita']);
    const l = await ledger();
    expect(l.acked).toBe(l.seq);
    const again = await collect();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)[0].added_bytes).toBe(0);
    expect(await stored()).toEqual(a);
  }, 300_000);

  it('bytes counted before a restart are not lost: the node folds them into its ledger first', async () => {
    const before = await stored();
    await move('alice', proxies[0]!);
    // A deploy that changes the config restarts sing-box, whose counters start again at zero.
    // A restart, not a reload in place: the ledger knows a process by PID and start time,
    // which a reload would keep while the counters start again.
    const pid = async (): Promise<string> => (await w.node.exec(['cat', '/run/sing-box.pid'], { check: true })).stdout.trim();
    const pidBefore = await pid();
    writeFileSync(join(w.tf.dir, 'users', 'zoe.yaml'), 'name: zoe\nrev: 1\n');
    const d = await w.tf.cli(['deploy', '--identity', hosts().clientKeyPath]);
    expect(d.code, d.err + d.out).toBe(0);
    expect(d.out).toMatch(/n1.*deployed/);
    expect(await pid()).not.toBe(pidBefore);
    const c = await collect();
    expect(c.code, c.err).toBe(0);
    expectGrowth(grew(before, await stored(), 'alice'), 'alice', 1);
  }, 300_000);

  it('a node black-holed for two collections loses nothing: what it counted arrives when it is back', async () => {
    const before = await stored();
    await move('rita', proxies[0]!);
    await w.node.blackhole();
    try {
      for (let i = 0; i < 2; i++) {
        const c = await collect();
        expect(c.code).toBe(1);
        expect(JSON.parse(c.out)).toMatchObject([{ node: 'n1', ok: false }]);
      }
    } finally {
      await w.node.unblackhole();
    }
    expect(await stored()).toEqual(before);
    const back = await collect();
    expect(back.code, back.err).toBe(0);
    expectGrowth(grew(before, await stored(), 'rita'), 'rita', 1);
  }, 300_000);

  it('a collector killed after storing and before acknowledging counts nothing twice', async () => {
    const refFile = join(bare, 'refs', 'heads', 'fleet-status');
    let hit = false;
    for (let attempt = 0; attempt < 3 && !hit; attempt++) {
      await move('alice', proxies[0]!);
      const before = await stored();
      const tip = existsSync(refFile) ? readFileSync(refFile, 'utf8') : '';
      const sessionsBefore = new Set(readdirSync(tmpdir()));
      // The collector as its own process, killed the moment the branch moves: between the
      // push and the acknowledgements, which need a round trip to the node first.
      const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'scripts/fleet.ts'), 'usage', 'collect', '--identity', collectorKey, '--repo', bare, '--root', w.tf.dir, '--now', '2026-11-26T12:00:00Z'],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, BOXFLEET_SSH_CONNECT_TIMEOUT: '3' }, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      for (let i = 0; i < 6000 && child.exitCode === null; i++) {
        if (existsSync(refFile) && readFileSync(refFile, 'utf8') !== tip) { child.kill('SIGKILL'); break; }
        await new Promise((r) => setTimeout(r, 5));
      }
      await exited;
      // What a killed collector leaves: its sessions' folders and their ControlMasters, and
      // its clone of the status branch (status/git.ts removes it in a finally that SIGKILL skips).
      const left = readdirSync(tmpdir()).filter((n) => !sessionsBefore.has(n));
      for (const d of left.filter((n) => n.startsWith(SESSION_DIR_PREFIX))) await stopMuxMasters(join(tmpdir(), d));
      for (const d of left.filter((n) => n.startsWith('boxfleet-status-'))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
      const l = await ledger();
      hit = l.acked < l.seq;
      const afterKill = await stored();
      expectGrowth(grew(before, afterKill, 'alice'), 'alice', 1);
      // The next collection finds nothing new: the stored cursor, not the node's ack, decides.
      const next = await collect();
      expect(next.code, next.err).toBe(0);
      expect(await stored()).toEqual(afterKill);
    }
    expect(hit, 'the collector was never caught between storing and acknowledging').toBe(true);
    expect(leftovers()).toEqual([]);
  }, 600_000);
  it('a user who goes over quota is told so by collect, refused by the real server after the deploy, and sees it on the page', async () => {
    // alice's quota: what she has used this period plus 1 MiB; then she moves 3 MiB more.
    const used = await stored();
    const quota = (used.alice!.up + used.alice!.down + 1024 * 1024) / 1024 ** 3;
    w.tf.edit('users/alice.yaml', (doc) => { doc.quota_gb = Number(quota.toFixed(6)); });
    await move('alice', proxies[0]!);
    const outputs = join(mkdtempSync(join(tmpdir(), 'boxfleet-usage-out-')), 'github-output');
    writeFileSync(outputs, '');
    const c = await w.tf.cli(['usage', 'collect', '--identity', collectorKey, '--repo', bare], { GITHUB_OUTPUT: outputs });
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/^over quota now: alice \(/m);
    expect(readFileSync(outputs, 'utf8')).toMatch(/over_quota_changed<<(\S+)\ntrue\n\1/);
    rmSync(dirname(outputs), { recursive: true, force: true });

    const status = mkdtempSync(join(tmpdir(), 'boxfleet-usage-status-'));
    try {
      expect((await w.tf.cli(['status', 'pull', '--repo', bare, '--out', status])).code).toBe(0);
      const d = await w.tf.cli(['deploy', '--identity', hosts().clientKeyPath, '--usage', status]);
      expect(d.code, d.err + d.out).toBe(0);
      expect(d.out).toMatch(/n1.*deployed/);
      // The real server now refuses alice and still serves rita.
      const run = await runMihomo(w.client, profiles.alice, proxies[0]!);
      try {
        const port = (parse(profiles.alice, { merge: true }) as { 'mixed-port': number })['mixed-port'];
        const r = await w.client.exec(['curl', '-sS', '-m', '10', '-x', `http://127.0.0.1:${port}`, '-o', '/dev/null', '-w', '%{http_code}', `http://${w.webIp}/bytes/1000`], { timeoutMs: 30_000 });
        expect(r.stdout).not.toBe('200');
      } finally {
        await run.stop();
      }
      await move('rita', proxies[0]!);
      // Without --usage the same deploy would put her back: the quota lives in the status store.
      const dry = await w.tf.cli(['deploy', '--identity', hosts().clientKeyPath, '--dry-run']);
      expect(dry.out).toMatch(/n1.*would deploy/);

      // The marker names the status commit the quotas came from, so drift compares like with
      // like without being handed the same --usage: it rebuilds that state from Git.
      const usageCommit = readFileSync(join(status, 'commit'), 'utf8').trim();
      expect(usageCommit).toMatch(/^[0-9a-f]{40}$/);
      const drift = () => w.tf.cli(['drift', '--identity', hosts().clientKeyPath, '--nodes', 'n1']);
      const lacking = await drift(); // the fleet folder is no Git checkout yet
      expect(lacking.code, lacking.out).toBe(3);
      expect(lacking.out).toContain(`its quotas came from status commit ${usageCommit.slice(0, 12)}…, which this checkout lacks (git fetch origin fleet-status, then run drift again)`);
      execFileSync('git', ['init', '-q', w.tf.dir]);
      execFileSync('git', ['-C', w.tf.dir, 'fetch', '-q', bare, 'fleet-status']);
      const asDeployed = await drift();
      expect(asDeployed.code, asDeployed.out).toBe(0);
      expect(asDeployed.out).toMatch(new RegExp(`n1 .*in sync.*live = marker = rendered, quotas as deployed \\(status ${usageCommit.slice(0, 12)}…\\)`));
      const same = await w.tf.cli(['drift', '--identity', hosts().clientKeyPath, '--nodes', 'n1', '--usage', status]);
      expect(same.code, same.out).toBe(0);
      expect(same.out).toContain(`quotas as of status ${usageCommit.slice(0, 12)}…`);

      // Her page says so, with the day the period ends; rita's says nothing of the kind.
      const site = join(status, '..', `${status.split('/').pop()}-site`);
      const built = await w.tf.cli(['site', '--out', site, '--status', status]);
      expect(built.code, built.err).toBe(0);
      const page = async (user: Name) => {
        const l = await w.tf.cli(['links', '--user', user, '--format', 'json']);
        return readFileSync(join(site, new URL((JSON.parse(l.out) as { url: string }[])[0]!.url).pathname, 'index.html'), 'utf8');
      };
      expect(await page('alice')).toMatch(/class="quota-over">Quota reached: [0-9.]+ of [0-9.]+ GB used\. Your connections stop until 2026-12-01/);
      expect(await page('rita')).not.toMatch(/Quota reached/);
      rmSync(site, { recursive: true, force: true });
    } finally {
      rmSync(status, { recursive: true, force: true });
    }
  }, 300_000);

  it('a compromised node charges only the users it serves, within its link, and cannot flood the collector', async () => {
    // carol is a user of the fleet whom n1 does not serve; mallory is nobody.
    w.tf.edit('fleet.yaml', (f) => { f.labels = { ...(f.labels as object), elsewhere: 'nodes other than n1' }; });
    writeFileSync(join(w.tf.dir, 'users', 'carol.yaml'), 'name: carol\nrev: 1\nnodes: ["label:elsewhere"]\n');
    // Root on n1 replaces the helper whose read the node script passes on.
    const helper = '/usr/local/bin/boxfleet-usage';
    await w.node.exec(['cp', '-p', helper, '/root/boxfleet-usage.real'], { check: true });
    const answer = (read: string) => w.node.exec(['sh', '-c', `printf '#!/bin/sh\\n[ "$1" = read ] || exit 0\\n%s\\n' "$0" > ${helper}`, read], { check: true });
    // Every month file on the branch, as stored (names included, which `stored()` leaves out).
    const month = async () => execFileSync('git', ['--git-dir', bare, 'ls-tree', '--name-only', 'fleet-status', 'usage/'], { encoding: 'utf8' }).trim().split('\n')
      .map((f) => execFileSync('git', ['--git-dir', bare, 'show', `fleet-status:${f}`], { encoding: 'utf8' })).join('\n');
    try {
      // A new ledger (as a reinstalled node has) that names carol, mallory and rita.
      const before = await stored();
      await answer(`echo '{"ledger":"00000000000000aa","seq":1,"acked":0,"totals":{"carol":{"up":0,"down":5000000},"mallory":{"up":7,"down":7},"rita":{"up":1000,"down":2000}}}'`);
      const first = await collect();
      expect(first.code, first.err + first.out).toBe(0);
      const after = await stored();
      expect(grew(before, after, 'rita')).toEqual({ up: 1000, down: 2000 });
      expect(after.carol ?? { up: 0, down: 0 }).toEqual(before.carol ?? { up: 0, down: 0 });
      expect(await month()).not.toContain('mallory');

      // A petabyte in minutes: more than any link carries. Refused; nothing stored.
      await answer(`echo '{"ledger":"00000000000000bb","seq":1,"acked":0,"totals":{"rita":{"up":0,"down":1125899906842624}}}'`);
      const huge = await collect();
      expect(huge.code).toBe(1);
      expect(JSON.parse(huge.out)).toMatchObject([{ node: 'n1', ok: false, error: expect.stringMatching(/^n1 reports 1125899\.9 GB in \d+ min since its last stored read, more than its link carries \(.* up and down together\): not stored\..*set bandwidth_mbps in nodes\/n1\.yaml/) }]);
      expect(await stored()).toEqual(after);

      // 600 MB of answer: past what Node can hold as one string. The collector stops that
      // connection at its cap, reports the node and ends in order (it used to crash).
      await answer(`head -c 600000000 /dev/zero | tr '\\000' a`);
      const flood = await collect();
      expect(flood.code, flood.err).toBe(1);
      expect(JSON.parse(flood.out)).toMatchObject([{ node: 'n1', ok: false, error: expect.stringContaining('the node answered more than 33554432 bytes') }]);
      expect(await stored()).toEqual(after);
    } finally {
      await w.node.exec(['cp', '-p', '/root/boxfleet-usage.real', helper], { check: true });
      rmSync(join(w.tf.dir, 'users', 'carol.yaml'), { force: true });
    }
    // The real helper again: the next read is n1's true ledger, counted against the stored cursor.
    const honest = await collect();
    expect(honest.code, honest.err + honest.out).toBe(0);
  }, 300_000);
});
