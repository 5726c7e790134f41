// #14 deploy.window: a change that only adds users waits for its region's window, because
// every config change reloads or restarts sing-box and cuts every open connection; removals never
// wait. Pure rules first, then the real deployer against a harness host and a Git history.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cleanCopies, demoCopy, fleet } from '../model/helpers.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHosts, type TestHost } from '../harness/index.ts';
import { hostState, makeTestFleet, markTestHost, sh, startCamouflage, type TestFleet } from './helpers.ts';
import { changeKind, isOpen, missedOpening, nextOpening, parseWindow } from '../../scripts/deploy/window.ts';
import { deferrals, type DeferralInput } from '../../scripts/deploy/deferral.ts';
import type { DeployInputs } from '../../scripts/deploy/inputs.ts';
import { renderNodeConfigs } from '../../scripts/render/server/index.ts';
import { openCredentialStore } from '../../scripts/secrets/index.ts';
import { load, makeFleet, NOW, removeAll, secretOf, tempDir, type TestUser } from '../site/helpers.ts';

describe('deploy windows', () => {
  it('open and next opening, including windows that wrap past midnight', () => {
    const w = parseWindow('22:30-01:00');
    expect(isOpen(w, new Date('2026-06-01T23:00:00Z'))).toBe(true);
    expect(isOpen(w, new Date('2026-06-01T00:59:00Z'))).toBe(true);
    expect(isOpen(w, new Date('2026-06-01T01:00:00Z'))).toBe(false);
    expect(nextOpening(w, new Date('2026-06-01T12:00:00Z')).toISOString()).toBe('2026-06-01T22:30:00.000Z');
    expect(nextOpening(parseWindow('02:00-04:00'), new Date('2026-06-01T12:00:00Z')).toISOString()).toBe('2026-06-02T02:00:00.000Z');
    expect(() => parseWindow('2:00-4:00')).toThrow(/HH:MM-HH:MM/);
    // An empty window would never open: additions would wait forever.
    expect(() => parseWindow('03:00-03:00')).toThrow(/never opens/);
  });

  it('a window that opened after a change and passed is found (drift reports the missed deploy)', () => {
    const w = parseWindow('02:00-04:00');
    const t = (s: string) => new Date(`2026-06-${s}Z`);
    expect(missedOpening(w, t('01T11:00:00'), t('01T23:00:00'))).toBeUndefined();
    expect(missedOpening(w, t('01T11:00:00'), t('02T02:00:00'))?.toISOString()).toBe('2026-06-02T02:00:00.000Z');
    // Committed inside an open window: its scheduled run may have gone already; the next one counts.
    expect(missedOpening(w, t('02T03:00:00'), t('02T12:00:00'))).toBeUndefined();
    expect(missedOpening(w, t('02T03:00:00'), t('03T05:00:00'))?.toISOString()).toBe('2026-06-03T02:00:00.000Z');
    expect(missedOpening(w, undefined, t('09T00:00:00'))).toBeUndefined();
  });

  it('only a config whose every old user is still there, and nothing else changed, is "users-added"', () => {
    const cfg = (users: object[], port = 443) => JSON.stringify({ log: {}, inbounds: [{ type: 'trojan', listen_port: port, users }] });
    const a = { name: 'a', password: '1' };
    const b = { name: 'b', password: '2' };
    expect(changeKind(cfg([a]), cfg([a, b]))).toBe('users-added');
    expect(changeKind(cfg([a, b]), cfg([a]))).toBe('other'); // revocation, expiry, end of grace
    expect(changeKind(cfg([a]), cfg([{ ...a, password: '9' }]))).toBe('other'); // rotation without grace
    expect(changeKind(cfg([a]), cfg([a, b], 8443))).toBe('other'); // anything besides users
    expect(changeKind('not json', cfg([a]))).toBe('other');
    expect(changeKind('null', cfg([a]))).toBe('other');
    // The same config adds nothing: a node that needs a deploy for another reason (its
    // sing-box stopped, no marker) has nothing to wait for.
    expect(changeKind(cfg([a]), cfg([a]))).toBe('other');
  });

  describe('on configs the real renderer makes', () => {
    const dirs: string[] = [];
    afterAll(() => removeAll(...dirs));
    const render = (users: TestUser[], build?: 'stats'): Map<string, string> => {
      const dir = makeFleet(tempDir('window'), { users, settings: build ? { singbox: { version: '1.12.25', build } } : {} });
      dirs.push(dir);
      const f = load(dir);
      return renderNodeConfigs(f, openCredentialStore(secretOf(), f.settings.epoch), NOW);
    };
    const owl = { name: 'quartz-owl', rev: 1 };

    it('the stats build counts each user too: an addition there is still only an addition', () => {
      const before = render([owl], 'stats');
      const after = render([owl, { name: 'new-heron', rev: 1 }], 'stats');
      for (const [node, config] of after) {
        expect(JSON.parse(config).experimental.v2ray_api.stats.users).toContain('new-heron');
        expect(changeKind(before.get(node)!, config)).toBe('users-added');
        expect(changeKind(config, before.get(node)!)).toBe('other');
      }
    });

    it('a rotation with a grace period does not wait (the refreshed profile carries the new credential)', () => {
      const before = render([owl]);
      const after = render([{ ...owl, rev: 2, rotated_at: '2026-11-26T11:00:00Z' }]);
      for (const [node, config] of after) {
        expect(config).toContain('quartz-owl~prev');
        expect(changeKind(before.get(node)!, config)).toBe('other');
      }
    });
  });

  it('a window belongs to a region by its own name: a region called `constructor` has none', async () => {
    const inputs = { fleet: { settings: { deploy: { window: {} } } } } as unknown as DeployInputs;
    const node = { r: { node: { name: 'n1', region: 'constructor' }, sha256: 'b'.repeat(64), config: '{}' }, status: { active: true, config_sha256: 'a'.repeat(64) }, binary: false } as unknown as DeferralInput;
    await expect(deferrals('/nonexistent', NOW, inputs, () => new Map(), [node])).resolves.toEqual(new Map());
  });
});

describe('deploy.window in fleet.yaml', () => {
  afterAll(cleanCopies);
  it('a window that is not HH:MM-HH:MM is a positioned error with exit 1, not a stack trace', async () => {
    const dir = demoCopy();
    const text = readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace(/^deploy:\n/m, 'deploy:\n  window: { asia-east: "2:00-4:00" }\n');
    writeFileSync(join(dir, 'fleet.yaml'), text);
    const r = await fleet(dir, ['validate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fleet\.yaml:\d+:\d+: .*window/m);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('an empty window (its end is its start) is refused: it would never open', async () => {
    const dir = demoCopy();
    const text = readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace(/^deploy:\n/m, 'deploy:\n  window: { asia-east: "03:00-03:00" }\n');
    writeFileSync(join(dir, 'fleet.yaml'), text);
    const r = await fleet(dir, ['validate']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^fleet\.yaml:\d+:\d+: `deploy\.window\.asia-east` .*"03:00-03:00" — .*an end other than its start/m);
  });
});

describe('fleet deploy with deploy.window on a real node', () => {
  const hosts = useHosts(1);
  let tf: TestFleet;
  let h: TestHost;
  let committed: string | undefined; // GIT_COMMITTER_DATE of the next commit (drift reads it)
  const git = (...a: string[]) => execFileSync('git', ['-C', tf.dir, ...a], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', ...(committed ? { GIT_COMMITTER_DATE: committed } : {}) } });
  const commit = (msg: string, at?: string) => { committed = at; git('add', '-A'); git('commit', '-qm', msg); committed = undefined; };
  const drift = (now: string, format = 'json') => tf.cli(['drift', '--identity', hosts().clientKeyPath, '--now', now, '--format', format]);
  const driftRow = (out: string) => (JSON.parse(out) as { nodes: { outcome: string; detail: string }[] }).nodes[0]!;
  // 12:00 UTC: outside the window 02:00-04:00 of region "test".
  const deploy = (extra: string[] = [], now = '2026-06-01T12:00:00Z') => tf.cli(['deploy', '--identity', hosts().clientKeyPath, '--now', now, ...extra], { GITHUB_SHA: git('rev-parse', 'HEAD').trim() });
  const line = (out: string) => out.split('\n').find((l) => l.startsWith('h1')) ?? out;

  beforeAll(async () => {
    tf = await makeTestFleet(hosts(), {
      users: [{ name: 'alice', rev: 1 }, { name: 'bob', rev: 1 }],
      settings: (f) => { f.deploy = { ...f.deploy, window: { test: '02:00-04:00' } }; },
    });
    h = hosts().hosts[0]!;
    await markTestHost(h);
    await startCamouflage(h);
    const b = await tf.cli(['bootstrap', 'h1', '--identity', hosts().clientKeyPath]);
    expect(b.code, b.err).toBe(0);
    writeFileSync(join(tf.dir, '.gitignore'), '*.tar.gz\n');
    git('init', '-q');
    commit('fleet');
    const d = await deploy();
    expect(d.code, d.err + d.out).toBe(0);
  }, 180_000);
  afterAll(async () => tf?.cleanup());

  it('a user added outside the window waits, and the node keeps running undisturbed', async () => {
    const before = await hostState(h);
    writeFileSync(join(tf.dir, 'users', 'carol.yaml'), 'name: carol\nrev: 1\n');
    commit('add carol', '2026-06-01T11:00:00Z');
    const r = await deploy();
    expect(r.code, r.err).toBe(0);
    expect(line(r.out)).toMatch(/deferred .*only users were added; waits for the deploy window 02:00-04:00 UTC \(opens in 14h00m; --no-window deploys it now\)/);
    expect(await hostState(h)).toEqual(before);
    // Drift says it waits, not that the node drifted: no drift issue for a pending addition.
    const waiting = await drift('2026-06-01T12:00:00Z');
    expect(waiting.code, waiting.err).toBe(0);
    expect(driftRow(waiting.out)).toMatchObject({ outcome: 'deferred', detail: expect.stringMatching(/^not deployed yet: only users were added; waits for the deploy window 02:00-04:00 UTC/) });
    // A hand edit on top is drift again, window or not.
    await sh(h, 'cp /etc/sing-box/config.json /run/config.saved && echo " " >> /etc/sing-box/config.json');
    const edited = await drift('2026-06-01T12:00:00Z', 'text');
    expect(edited.code).toBe(3);
    expect(line(edited.out)).toMatch(/drifted .*edited on the node/);
    await sh(h, 'cat /run/config.saved > /etc/sing-box/config.json && rm /run/config.saved');
    expect(await hostState(h)).toEqual(before);
    // While the window is open the addition is due: drift says so.
    const due = await drift('2026-06-02T02:30:00Z');
    expect(due.code).toBe(3);
    expect(driftRow(due.out)).toMatchObject({ outcome: 'drifted', detail: expect.stringContaining('(not deployed yet)') });
    // A window that opened and passed without a deploy is drift: the schedule missed it.
    const missed = await drift('2026-06-02T12:00:00Z');
    expect(missed.code).toBe(3);
    expect(driftRow(missed.out)).toMatchObject({ outcome: 'drifted', detail: expect.stringContaining('its deploy window 02:00-04:00 UTC opened at 2026-06-02T02:00:00.000Z, after the fleet changed since this node\'s deploy, and passed without a deploy') });
    // Inside the window it goes out.
    const inWindow = await deploy([], '2026-06-02T02:30:00Z');
    expect(line(inWindow.out)).toMatch(/deployed/);
    expect((await hostState(h)).sockets).not.toBe(before.sockets);
  }, 120_000);

  it('--no-window deploys an addition now', async () => {
    writeFileSync(join(tf.dir, 'users', 'dave.yaml'), 'name: dave\nrev: 1\n');
    commit('add dave');
    const r = await deploy(['--no-window'], '2026-06-02T12:00:00Z');
    expect(line(r.out)).toMatch(/deployed/);
  }, 120_000);

  it('a node whose sing-box stopped is started at once, outside the window, with nothing else changed', async () => {
    const before = await hostState(h);
    expect(before.alive).toBe(true);
    await sh(h, `kill ${before.pid}; for i in $(seq 100); do kill -0 ${before.pid} 2>/dev/null || exit 0; sleep 0.05; done; exit 1`);
    const r = await deploy([], '2026-06-02T12:30:00Z');
    expect(r.code, r.err).toBe(0);
    expect(line(r.out)).toMatch(/deployed/);
    const after = await hostState(h);
    expect(after.alive).toBe(true);
    expect(after.hash).toBe(before.hash);
  }, 120_000);

  it('a removal never waits: bob is gone from the node at once, outside the window', async () => {
    tf.edit('users/bob.yaml', (doc) => { doc.enabled = false; });
    commit('disable bob');
    const before = await hostState(h);
    const r = await deploy([], '2026-06-02T13:00:00Z');
    expect(r.code, r.err).toBe(0);
    expect(line(r.out)).toMatch(/deployed/);
    expect((await hostState(h)).hash).not.toBe(before.hash);
  }, 120_000);

  it('a re-run of an older deploy (its commit an ancestor of the node\'s on the branch) leaves the node as it is, and fails', async () => {
    const branch = git('rev-parse', '--abbrev-ref', 'HEAD').trim();
    // As in Actions: GITHUB_REF is the branch the run was started on, GITHUB_SHA its commit.
    const rerun = (extra: string[] = []) => tf.cli(['deploy', '--identity', hosts().clientKeyPath, '--now', '2026-06-02T13:30:00Z', ...extra], { GITHUB_SHA: git('rev-parse', 'HEAD').trim(), GITHUB_REF: `refs/heads/${branch}` });
    const at = async (rev: string, f: () => Promise<void>) => {
      git('checkout', '-q', rev);
      try { await f(); } finally { git('checkout', '-q', branch); }
    };
    const tip = git('rev-parse', 'HEAD').trim();
    const before = await hostState(h);
    // Re-run jobs of the run before "disable bob": bob back in, the node rolled back.
    await at('HEAD~1', async () => {
      const r = await rerun(['--no-window']);
      expect(r.code).toBe(1);
      expect(line(r.out)).toMatch(new RegExp(`skipped .*not touched: it runs commit ${tip.slice(0, 12)}, deployed after this run's [0-9a-f]{12} on the same branch; this looks like a re-run of an older deploy`));
      expect(await hostState(h)).toEqual(before);
    });
    // The tip itself is as deployed: nothing to do.
    const again = await rerun();
    expect(again.code, again.err).toBe(0);
    expect(line(again.out)).toMatch(/unchanged/);

    // A node whose config the old commit would not even change still fails the re-run: it
    // must not count as the last rollout (the site would be built from the old commit).
    const old = git('rev-parse', 'HEAD').trim();
    writeFileSync(join(tf.dir, 'users', 'erin.yaml'), 'name: erin\nrev: 1\n');
    commit('add erin');
    expect((await deploy(['--no-window'], '2026-06-02T13:40:00Z')).code).toBe(0);
    git('rm', '-q', 'users/erin.yaml');
    commit('remove erin');
    expect((await deploy([], '2026-06-02T13:50:00Z')).code).toBe(0);
    const latest = await hostState(h);
    await at(old, async () => {
      const r = await rerun();
      expect(r.code).toBe(1);
      expect(line(r.out)).toMatch(/skipped .*\(its config would not change, but this run must not count as the latest rollout\)/);
      expect(await hostState(h)).toEqual(latest);
    });
  }, 120_000);
});
