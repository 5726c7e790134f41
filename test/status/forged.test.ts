// #12 item 1, forged health: the attacks of the hostile review, each against the real
// `status merge`/`status push` commands and a local bare repository. Before the fix each
// of these runs was merged and changed what users were served.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../scripts/status/reader.ts';
import { cli } from '../probe/cli.ts';
import { at, cleanCopies, EPOCH, keyOf, run, signedRunFile, STATUS_SECRET, statusFleet } from './helpers.ts';
import { vantageKey } from '../../scripts/secrets/index.ts';

describe('forged health is refused', () => {
  let dir = '';
  let bare = '';
  let root = '';
  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: STATUS_SECRET });
  const branch = (minutes: number) => ['--repo', `file://${bare}`, '--root', root, '--now', at(minutes).toISOString()];
  const file = (name: string) => join(dir, name);
  const pulled = async (minutes: number) => {
    const out = mkdtempSync(join(dir, 'pull-'));
    const p = await cli(['status', 'pull', '--out', out, ...branch(minutes)], env());
    expect(p.code, p.err).toBe(0);
    return readStatus(out);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-forged-'));
    bare = join(dir, 'remote.git');
    execFileSync('git', ['init', '--bare', '--quiet', bare], { timeout: 10_000 });
    root = statusFleet();
    // The honest state: both vantages see node a up.
    const ok = await cli(['status', 'merge',
      signedRunFile(file('gh-0.json'), run('github', 'us', 0, { a: 'up' })),
      signedRunFile(file('cn-0.json'), run('home-cn', 'cn', 0, { a: 'up' })), ...branch(1)], env());
    expect(ok.code, ok.err).toBe(0);
  }, 60_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); cleanCopies(); });

  it('an unsigned run, even one naming the hosted vantage, is refused and changes nothing', async () => {
    const f = file('unsigned.json');
    writeFileSync(f, JSON.stringify(run('github', 'us', 10, { a: 'down' })));
    const r = await cli(['status', 'merge', f, ...branch(11)], env());
    expect(r.code).toBe(1);
    expect(r.err).toContain('it is not signed');
    expect(r.err).toContain('probe vantage-key github');
    expect((await pulled(11)).latest('a')!.vantages.github!.state).toBe('up');
  });

  it('a run signed with another vantage\'s key, or altered after signing, is refused', async () => {
    const wrongKey = signedRunFile(file('wrong-key.json'), run('github', 'us', 10, { a: 'down' }), 'home-cn');
    const altered = signedRunFile(file('altered.json'), run('home-cn', 'cn', 10, { a: 'up' }));
    writeFileSync(altered, readFileSync(altered, 'utf8').replace('"state": "up"', '"state": "down"'));
    const r = await cli(['status', 'merge', wrongKey, altered, ...branch(11)], env());
    expect(r.code).toBe(1);
    expect(r.err.match(/does not verify/g)).toHaveLength(2);
    const s = await pulled(11);
    expect([s.latest('a')!.vantages.github!.state, s.latest('a')!.vantages['home-cn']!.state]).toEqual(['up', 'up']);
  });

  it('a run dated 9999-12-31 (every later real run would be "late") is refused, though signed', async () => {
    const r0 = run('home-cn', 'cn', 0, { a: 'up' });
    const f = signedRunFile(file('future.json'), { ...r0, time: '9999-12-31T00:00:00.000Z' });
    const r = await cli(['status', 'merge', f, ...branch(11)], env());
    expect(r.code).toBe(1);
    expect(r.err).toContain('more than 5 minutes ahead');
    // Four minutes ahead is within the allowed skew.
    const near = signedRunFile(file('near.json'), run('home-cn', 'cn', 15, { a: 'up' }));
    expect((await cli(['status', 'merge', near, ...branch(11)], env())).code).toBe(0);
  });

  it('a signed all-down run more than 24 hours old, and a replay of an older run, are refused', async () => {
    const old = signedRunFile(file('old.json'), run('home-cn', 'cn', 16, { a: 'down' }));
    const r = await cli(['status', 'merge', old, ...branch(16 + 24 * 60 + 1)], env());
    expect(r.code).toBe(1);
    expect(r.err).toContain('more than 24 hours before');
    // Within the day, but older than the newest home-cn run already stored (minute 15).
    const replay = signedRunFile(file('replay.json'), run('home-cn', 'cn', 5, { a: 'down' }));
    const p = await cli(['status', 'merge', replay, ...branch(20)], env());
    expect(p.code).toBe(1);
    expect(p.err).toContain('not newer than the newest run of vantage "home-cn"');
    expect((await pulled(20)).latest('a')!.vantages['home-cn']!.state).toBe('up');
  });

  it('a vantage that lies about its region, or is not in fleet.yaml, is refused', async () => {
    const region = signedRunFile(file('region.json'), run('home-cn', 'us', 30, { a: 'down' }));
    const unknown = signedRunFile(file('unknown.json'), run('evil', 'cn', 30, { a: 'down' }));
    const r = await cli(['status', 'merge', region, unknown, ...branch(31)], env());
    expect(r.code).toBe(1);
    expect(r.err).toContain('is in region cn, the run says us');
    expect(r.err).toContain('vantage "evil" is not in fleet.yaml');
  });

  it('one forged upload does not stop an honest one beside it; push refuses a forged run outright', async () => {
    const forged = file('forged-beside.json');
    writeFileSync(forged, JSON.stringify(run('github', 'us', 40, { a: 'down' })));
    const honest = signedRunFile(file('honest.json'), run('home-cn', 'cn', 40, { a: 'degraded' }));
    const r = await cli(['status', 'merge', forged, honest, ...branch(41)], env());
    expect(r.code).toBe(1);
    expect(r.out).toContain('merged 1 run(s), 1 refused');
    const s = await pulled(41);
    expect(s.latest('a')!.vantages['home-cn']!.state).toBe('degraded');
    expect(s.latest('a')!.vantages.github!.state).toBe('up');
    const push = await cli(['status', 'push', '--run', forged, ...branch(41)], env());
    expect(push.code).toBe(1);
    expect(push.err).toContain('it is not signed');
  });

  it('merge verifies only with FLEET_SECRET: without it nothing is merged', async () => {
    const f = signedRunFile(file('nosecret.json'), run('home-cn', 'cn', 50, { a: 'up' }));
    const r = await cli(['status', 'merge', f, ...branch(51)], { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(r.code).toBe(1);
    expect(r.err).toContain('FLEET_SECRET is not set');
  });

  it('a self-hosted vantage signs with its key from the environment; merge accepts it, a wrong key is refused', async () => {
    const manifest = file('manifest.json');
    expect((await cli(['probe', 'manifest', '--out', manifest, '--root', root], env())).code).toBe(0);
    // No targets: nothing is probed (no packet leaves), the run is still a whole run.
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify({ ...m, targets: [] }));
    const probe = (out: string, key: string) => cli(['probe', '--manifest', manifest, '--vantage', 'home-cn', '--out', out, '--root', root, '--now', at(60).toISOString()],
      { PATH: process.env.PATH, HOME: process.env.HOME, BOXFLEET_VANTAGE_KEY: key });
    expect((await probe(file('vantage-run.json'), keyOf('home-cn'))).code).toBe(0);
    expect(JSON.parse(readFileSync(file('vantage-run.json'), 'utf8')).signature.alg).toBe('hmac-sha256-v1');
    expect((await cli(['status', 'merge', file('vantage-run.json'), ...branch(61)], env())).code).toBe(0);

    expect((await probe(file('bad-key-run.json'), keyOf('github'))).code).toBe(0);
    const r = await cli(['status', 'merge', file('bad-key-run.json'), ...branch(62)], env());
    expect(r.code).toBe(1);
    expect(r.err).toContain('does not verify');
    const malformed = await probe(file('x.json'), 'not-a-key');
    expect(malformed.code).toBe(1);
    expect(malformed.err).toContain('BOXFLEET_VANTAGE_KEY is not a vantage key');
  });
});

describe('fleet probe vantage-key', () => {
  afterAll(() => cleanCopies());
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: STATUS_SECRET };

  it('prints HMAC-SHA256(FLEET_SECRET, "vantage-key|v1|<epoch>|<vantage>") alone on stdout', async () => {
    const r = await cli(['probe', 'vantage-key', 'home-cn', '--root', statusFleet()], base);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(vantageKey(Buffer.from(STATUS_SECRET), EPOCH, 'home-cn'));
    expect(r.out.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(r.err).toContain('gh secret set BOXFLEET_VANTAGE_KEY --env vantage-home-cn');
  });

  it('refuses to run in CI, for the hosted vantage and for an unknown one', async () => {
    const root = statusFleet();
    const ci = await cli(['probe', 'vantage-key', 'home-cn', '--root', root], { ...base, GITHUB_ACTIONS: 'true' });
    expect([ci.code, ci.out]).toEqual([1, '']);
    expect((await cli(['probe', 'vantage-key', 'github', '--root', root], base)).code).toBe(2);
    expect((await cli(['probe', 'vantage-key', 'nowhere', '--root', root], base)).code).toBe(2);
  });
});
