// The status store on a local bare repository (file://): concurrent writers lose nothing,
// also across a compaction that squashed the branch; compaction keeps the size cap; the
// blocked-in-region derivation; every file written validates against the schemas.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldRuns, runFileName } from '../../scripts/status/derive.ts';
import { compactTree } from '../../scripts/status/compact.ts';
import { compactBranch, pullBranch, pushRuns } from '../../scripts/status/ops.ts';
import { readStatus, StatusFileError } from '../../scripts/status/reader.ts';
import { readArrivingRun, readTree, readUsageFiles, writeTree } from '../../scripts/status/store.ts';
import { readStates } from '../../scripts/github/status-changed.ts';
import { readUsageDir } from '../../scripts/usage/state.ts';
import { closeClone, objectBytes, openClone, type BranchRef } from '../../scripts/status/git.ts';
import type { ProbeRun, StatusTree } from '../../scripts/status/types.ts';
import { cli } from '../probe/cli.ts';
import { at, cleanCopies, run, signedRunFile, STATUS_SECRET, statusFleet } from './helpers.ts';

describe('status store', () => {
  let dir = '';
  let bare = '';
  const ref = (now: Date): BranchRef => ({ repo: `file://${bare}`, branch: 'fleet-status', now });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-status-test-'));
    bare = join(dir, 'remote.git');
    execFileSync('git', ['init', '--bare', '--quiet', bare], { timeout: 10_000 });
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); cleanCopies(); });

  it('4 pushes started together each add their run; latest.json reflects all of them', async () => {
    const runs = ['v1', 'v2', 'v3', 'v4'].map((v, i) => run(v, i < 2 ? 'us' : 'eu', 0, { a: 'up', b: i === 3 ? 'down' : 'up' }));
    const results = await Promise.all(runs.map((r) => pushRuns(ref(at(1)), [r])));
    expect(results.map((r) => r.added.length)).toEqual([1, 1, 1, 1]);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // they really collided
    const out = join(dir, 'pull1');
    await pullBranch(ref(at(1)), out);
    expect(readdirSync(join(out, 'runs')).sort()).toEqual(runs.map((r) => runFileName(r).slice(5)).sort());
    const view = readStatus(out);
    expect(Object.keys(view.latest('a')!.vantages).sort()).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(view.stateOf('a')).toBe('up');
    expect(view.stateOf('b')).toBe('degraded'); // down from eu (v4) but up from eu (v3) too
    // Written once: pushing the same run again adds nothing.
    expect((await pushRuns(ref(at(2)), [runs[0]!])).added).toEqual([]);
  }, 60_000);

  it('derives "blocked in cn": failing from the in-region vantage, healthy outside', () => {
    const l1 = foldRuns(undefined, [{ path: 'runs/x-us.json', run: run('ci', 'us', 0, { n: 'up' }) }, { path: 'runs/x-cn.json', run: run('home-cn', 'cn', 1, { n: 'down' }) }], at(2));
    expect(l1.nodes.n).toMatchObject({ state: 'blocked', blocked_in: ['cn'], since: at(1).toISOString() });
    // Later runs that keep the state keep "since"; recovery from cn changes it.
    const l2 = foldRuns(l1, [{ path: 'runs/y-cn.json', run: run('home-cn', 'cn', 15, { n: 'down' }) }], at(16));
    expect(l2.nodes.n!.since).toBe(at(1).toISOString());
    const l3 = foldRuns(l2, [{ path: 'runs/z-cn.json', run: run('home-cn', 'cn', 30, { n: 'up' }) }], at(31));
    expect(l3.nodes.n).toMatchObject({ state: 'up', blocked_in: [], since: at(30).toISOString() });
    // A late upload of an older run does not overwrite the newer result.
    const l4 = foldRuns(l3, [{ path: 'runs/old-cn.json', run: run('home-cn', 'cn', 20, { n: 'down' }) }], at(32));
    expect(l4.nodes.n!.state).toBe('up');
    // Down from everywhere is down, not blocked.
    const l5 = foldRuns(undefined, [{ path: 'runs/a.json', run: run('ci', 'us', 0, { n: 'down' }) }, { path: 'runs/b.json', run: run('home-cn', 'cn', 0, { n: 'down' }) }], at(1));
    expect(l5.nodes.n!.state).toBe('down');
  });

  it('compaction folds old runs into history, keeps the cap (squashing), and later concurrent pushes still lose nothing', async () => {
    // Three days of hourly runs from two vantages, pushed in batches (many commits).
    for (let day = 0; day < 3; day++) {
      const batch = Array.from({ length: 24 }, (_, h) => [run('ci', 'us', (day * 24 + h) * 60 + 5, { a: 'up', b: h % 5 ? 'up' : 'down' }), run('home-cn', 'cn', (day * 24 + h) * 60 + 6, { a: h % 3 ? 'up' : 'down', b: 'up' })]).flat();
      await pushRuns(ref(at(day * 1440 + 1430)), batch);
    }
    const now = at(3 * 1440);
    const c0 = await openClone(ref(now));
    const before = await objectBytes(c0);
    closeClone(c0);
    // A cap just under the branch's current size: compaction has to squash to meet it.
    const cap = Math.floor(before * 0.9);
    const r = await compactBranch(ref(now), cap);
    expect(r.foldedRuns).toBeGreaterThan(90);
    expect(r.squashed).toBe(true);
    const c1 = await openClone(ref(now));
    try {
      expect(await objectBytes(c1)).toBeLessThanOrEqual(cap);
      expect((await c1.git.raw(['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
    } finally { closeClone(c1); }
    const out = join(dir, 'pull2');
    await pullBranch(ref(now), out);
    const view = readStatus(out); // validates every file
    const series = view.historySeries('a');
    expect(series.length).toBeGreaterThan(0);
    expect(series.every((p) => p.samples >= 1)).toBe(true);
    expect(view.runsSince(at(2 * 1440)).length).toBeGreaterThan(0);
    expect(view.latencyFrom('a', 'us')).toBeTypeOf('number');

    // 4 concurrent pushes on the squashed branch: all land.
    const fresh = ['p1', 'p2', 'p3', 'p4'].map((v, i) => run(v, 'us', 3 * 1440 + 10 + i, { a: 'up', b: 'up' }));
    await Promise.all(fresh.map((f) => pushRuns(ref(at(3 * 1440 + 20)), [f])));
    await pullBranch(ref(at(3 * 1440 + 20)), out);
    const names = readdirSync(join(out, 'runs'));
    for (const f of fresh) expect(names).toContain(runFileName(f).slice(5));
    expect(Object.keys(readStatus(out).latest('a')!.vantages)).toEqual(expect.arrayContaining(['p1', 'p2', 'p3', 'p4', 'ci', 'home-cn']));
  }, 120_000);

  it('the commands push, merge, compact and pull through the CLI contract with a pinned --now', async () => {
    const f = signedRunFile(join(dir, 'cli-run.json'), run('github', 'us', 5000, { a: 'up' }));
    const g = signedRunFile(join(dir, 'cli-run2.json'), run('home-cn', 'cn', 5001, { a: 'down' }));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: STATUS_SECRET };
    const base = ['--repo', `file://${bare}`, '--root', statusFleet(), '--now', at(5002).toISOString()];
    expect((await cli(['status', 'push', '--run', f, ...base], env)).code).toBe(0);
    expect((await cli(['status', 'merge', g, ...base], env)).code).toBe(0);
    expect((await cli(['status', 'compact', '--max-bytes', '1000000', ...base], env)).code).toBe(0);
    const out = join(dir, 'pull3');
    const p = await cli(['status', 'pull', '--out', out, ...base], env);
    expect(p.code, p.err).toBe(0);
    expect(readStatus(out).stateOf('a')).toBe('blocked');
    expect(readStatus(out).blockedIn('a')).toEqual(['cn']);
    expect((await cli(['status', 'push', '--run', join(dir, 'missing.json'), ...base], env)).code).toBe(2);
  }, 60_000);

  it('a run whose one endpoint says too much (505 characters of certificate names, control characters) is pushed, that text cut; the other nodes\' results stay', async () => {
    const r = run('github', 'us', 6000, { a: 'down', b: 'up' });
    const names = Array.from({ length: 12 }, (_, i) => `DNS:very-long-subdomain-name-number-${i}.attacker-controlled.example`).join(', ');
    const detail = `certificate is not valid for a.example (it names ${names})\u001b[2J\r::warning::x`;
    expect(detail.length).toBeGreaterThan(500);
    r.nodes[0]!.endpoints[0]!.detail = detail;
    // Signed as the vantage wrote it: cutting the stored copy must not break the signature.
    const f = signedRunFile(join(dir, 'long-detail.json'), r);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_SECRET: STATUS_SECRET };
    const base = ['--repo', `file://${bare}`, '--root', statusFleet(), '--now', at(6001).toISOString()];
    const push = await cli(['status', 'push', '--run', f, ...base], env);
    expect(push.code, push.err).toBe(0);
    const out = join(dir, 'pull-long');
    expect((await cli(['status', 'pull', '--out', out, ...base], env)).code).toBe(0);
    expect(readStatus(out).latest('b')!.vantages.github!.state).toBe('up');
    const file = readdirSync(join(out, 'runs')).find((n) => n === runFileName(r).slice(5))!;
    const stored = JSON.parse(readFileSync(join(out, 'runs', file), 'utf8')) as ProbeRun;
    const kept = stored.nodes.find((n) => n.node === 'a')!.endpoints[0]!.detail!;
    expect(kept.length).toBeLessThanOrEqual(300);
    expect(kept.startsWith('certificate is not valid for a.example')).toBe(true);
    expect(kept).not.toMatch(/[\u0000-\u001f]/);
  }, 60_000);

  it('history keeps full detail for a day, hourly points for 30 days, daily after', () => {
    const now = at(40 * 1440);
    const tree: StatusTree = { runs: new Map(), history: new Map(), incidents: new Map(), recovery: new Map(), usage: new Map() };
    for (const minutes of [0, 10, 20 * 1440, 20 * 1440 + 10, 20 * 1440 + 70, 40 * 1440 - 30, 40 * 1440 - 20]) {
      const r = run('ci', 'us', minutes, { a: minutes === 10 ? 'down' : 'up' });
      tree.runs.set(runFileName(r), r);
    }
    const res = compactTree(tree, now);
    expect(res.foldedRuns).toBe(5);
    expect(tree.runs.size).toBe(2);
    const pts = tree.history.get('a')!.points;
    expect(pts.map((p) => [p.resolution, p.samples, p.state])).toEqual([['day', 2, 'down'], ['hour', 2, 'up'], ['hour', 1, 'up']]);
  });

  it('bad files are refused with the file and the field named', () => {
    const bad = join(dir, 'bad');
    execFileSync('mkdir', ['-p', join(bad, 'runs')]);
    const r = run('ci', 'us', 0, { a: 'up' }) as unknown as Record<string, unknown>;
    writeFileSync(join(bad, 'runs', '2026-11-26T12-00-00Z-ci.json'), JSON.stringify({ ...r, nodes: [{ node: 'a', state: 'sideways' }] }));
    expect(() => readStatus(bad)).toThrow(StatusFileError);
    // What would be right depends on where the file came from, and is never "delete it"
    // (a usage month is the quota ledger).
    expect(() => readStatus(bad)).toThrow(/runs\/2026-11-26T12-00-00Z-ci\.json: .*\/nodes\/0.* — status files are written only by boxfleet's runs: .*restore it from the status branch's history/);
    expect(() => readArrivingRun(join(bad, 'runs', '2026-11-26T12-00-00Z-ci.json'))).toThrow(/\/nodes\/0.* — a run file is what `npm run fleet -- probe` of this boxfleet writes: run the probe again; nothing of this one was recorded/);
    writeFileSync(join(bad, 'runs', '2026-11-26T12-00-00Z-ci.json'), JSON.stringify({ ...r, schema_version: 2 }));
    expect(() => readStatus(bad)).toThrow(/schema_version 2 is not supported .* — it was written by a newer boxfleet: update this repository's boxfleet/);
    writeFileSync(join(bad, 'runs', '2026-11-26T12-00-00Z-ci.json'), '{');
    expect(() => readStatus(bad)).toThrow(/not JSON/);
    for (const e of [() => readStatus(bad), () => readArrivingRun(join(bad, 'runs', '2026-11-26T12-00-00Z-ci.json'))]) expect(e).not.toThrow(/remove it|delete it/);
  });

  it('a status file boxfleet made but would not read is not written, and says it is a bug', () => {
    const tree: StatusTree = { runs: new Map(), history: new Map(), incidents: new Map(), recovery: new Map(), usage: new Map() };
    tree.usage.set('2026-11', { schema_version: 1, month: '2026-11' } as never); // no users, no nodes
    const out = join(dir, 'write-bad');
    expect(() => writeTree(out, tree)).toThrow(/usage\/2026-11\.json: not a valid status file: .* — boxfleet made a status file it would not read \(a bug/);
    expect(existsSync(join(out, 'usage', '2026-11.json'))).toBe(false);
  });
});

describe('status branch with symlinks (anyone who can push to it can commit one)', () => {
  let dir = '';
  const secretFile = (): string => join(dir, 'runner-secret.txt');
  const SECRET_TEXT = 'runner-private-1f2e3d';

  /** A bare repository whose status branch holds what `fill` puts in a fresh work tree. */
  function branchWith(name: string, fill: (work: string) => void): BranchRef {
    const bare = join(dir, `${name}.git`);
    const work = join(dir, `${name}-work`);
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, timeout: 10_000 });
    execFileSync('git', ['init', '--bare', '--quiet', bare], { timeout: 10_000 });
    mkdirSync(work);
    git(work, 'init', '--quiet', '-b', 'fleet-status');
    fill(work);
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'symlinks');
    git(work, 'push', '--quiet', bare, 'fleet-status');
    return { repo: `file://${bare}`, branch: 'fleet-status', now: at(1) };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'boxfleet-status-links-'));
    writeFileSync(secretFile(), `${SECRET_TEXT}\n`);
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('pull and push refuse a linked file or folder and never read or write through it', async () => {
    const cases: [string, (work: string) => void][] = [
      ['file', (w) => { mkdirSync(join(w, 'runs')); symlinkSync(secretFile(), join(w, 'runs', '2026-11-26T12-01-00Z-ci.json')); }],
      ['latest', (w) => symlinkSync(secretFile(), join(w, 'latest.json'))],
      ['folder', (w) => { const outside = join(dir, 'outside'); mkdirSync(outside, { recursive: true }); symlinkSync(outside, join(w, 'usage')); }],
    ];
    for (const [name, fill] of cases) {
      const ref = branchWith(name, fill);
      const out = join(dir, `pull-${name}`);
      const pulled = pullBranch(ref, out).then(() => '', (e: Error) => e.message);
      const message = await pulled;
      expect(message, name).not.toBe('');
      expect(message, name).not.toContain(SECRET_TEXT);
      expect(existsSync(out) ? readdirSync(out) : [], name).toEqual([]);
      // A push reads the branch first and refuses it the same way: nothing is written through the link.
      await expect(pushRuns(ref, [run('ci', 'us', 2, { a: 'up' })]), name).rejects.toThrow();
    }
    expect(readdirSync(join(dir, 'outside'))).toEqual([]);
    expect(readFileSync(secretFile(), 'utf8')).toBe(`${SECRET_TEXT}\n`);
    // The clone holds no symlink at all: the link is a plain file naming its target.
    const c = await openClone(branchWith('clone', (w) => symlinkSync(secretFile(), join(w, 'latest.json'))));
    try {
      expect(lstatSync(join(c.dir, 'latest.json')).isFile()).toBe(true);
      expect(readFileSync(join(c.dir, 'latest.json'), 'utf8')).toBe(secretFile());
    } finally {
      closeClone(c);
    }
  }, 60_000);

  it('a local status folder with a symlink in it is refused too', () => {
    const local = join(dir, 'local');
    mkdirSync(join(local, 'runs'), { recursive: true });
    symlinkSync(secretFile(), join(local, 'latest.json'));
    expect(lstatSync(join(local, 'latest.json')).isSymbolicLink()).toBe(true);
    expect(() => readTree(local)).toThrow(/^latest\.json: not a valid status file: a symlink: a status store holds only plain files and folders/);
    const linked = join(dir, 'local-linked');
    mkdirSync(linked);
    symlinkSync(join(local, 'runs'), join(linked, 'runs'));
    expect(() => readTree(linked)).toThrow(/^runs: not a valid status file: a symlink, not a folder/);
  });

  // Each reader below once read through a link: JSON.parse's error quotes the start of the
  // text it got, so the runner's file would have reached the log.
  const leaks = (f: () => unknown): string => {
    try { f(); } catch (e) { return (e as Error).message; }
    return '';
  };

  it('a dangling link is refused, not read as a missing (empty) store', () => {
    const local = join(dir, 'dangling');
    mkdirSync(local);
    symlinkSync(join(dir, 'nowhere.json'), join(local, 'latest.json'));
    expect(() => readTree(local)).toThrow(/latest\.json: not a valid status file: a symlink/);
    const usage = join(dir, 'dangling-usage');
    mkdirSync(usage);
    symlinkSync(join(dir, 'nowhere'), join(usage, 'usage'));
    expect(() => readUsageFiles(usage)).toThrow(/usage: not a valid status file: a symlink, not a folder/);
    expect(() => readStates(local)).toThrow(/latest\.json: a symlink, not a plain file/);
  }, 20_000);

  it('an arriving run, latest.json for `status changed`, and the usage commit file are read only as plain files', () => {
    const runLink = join(dir, 'arriving.json');
    symlinkSync(secretFile(), runLink);
    const run = leaks(() => readArrivingRun(runLink));
    expect(run).toMatch(/arriving\.json: not a valid status file: a symlink: .* — give the run file `npm run fleet -- probe` wrote itself, not a link to it/);
    expect(run).not.toContain(SECRET_TEXT.slice(0, 6));

    const changed = join(dir, 'changed');
    mkdirSync(changed);
    symlinkSync(secretFile(), join(changed, 'latest.json'));
    const states = leaks(() => readStates(changed));
    expect(states).toMatch(/latest\.json: a symlink, not a plain file — give the latest\.json `status pull` wrote/);
    expect(states).not.toContain(SECRET_TEXT.slice(0, 6));

    const pulled = join(dir, 'pulled-usage');
    mkdirSync(join(pulled, 'usage'), { recursive: true });
    symlinkSync(secretFile(), join(pulled, 'commit'));
    const commit = leaks(() => readUsageDir(pulled, dir));
    expect(commit).toMatch(/cannot read the usage in .*: commit: a symlink, not a plain file/);
    expect(commit).not.toContain(SECRET_TEXT.slice(0, 6));
  });

  it('a pull into a folder with a dangling link there replaces the link, never writes through it', async () => {
    const ref = branchWith('plain', (w) => writeFileSync(join(w, 'README.md'), 'status branch\n'));
    await pushRuns(ref, [run('ci', 'us', 2, { a: 'up' })]);
    const out = join(dir, 'pull-over-links');
    mkdirSync(out);
    for (const f of ['latest.json', 'README.md']) symlinkSync(join(dir, `target-${f}`), join(out, f));
    await pullBranch(ref, out);
    for (const f of ['latest.json', 'README.md']) {
      expect(lstatSync(join(out, f)).isFile(), f).toBe(true);
      expect(existsSync(join(dir, `target-${f}`)), f).toBe(false);
    }
  }, 60_000);

  it('a folder pushed into runs/ or history/ is cleared by the next push instead of failing every push', async () => {
    const ref = branchWith('junk', (w) => {
      for (const sub of ['runs', 'history']) { mkdirSync(join(w, sub, 'junk'), { recursive: true }); writeFileSync(join(w, sub, 'junk', 'x'), 'x'); }
    });
    const r = await pushRuns(ref, [run('ci', 'us', 2, { a: 'up' })]);
    expect(r.added.length).toBe(1);
    const out = join(dir, 'pull-junk');
    await pullBranch(ref, out);
    expect(readdirSync(join(out, 'runs'))).toEqual([runFileName(run('ci', 'us', 2, { a: 'up' })).slice(5)]);
    const c = await openClone(ref);
    try {
      expect(existsSync(join(c.dir, 'runs', 'junk')) || existsSync(join(c.dir, 'history', 'junk'))).toBe(false);
    } finally {
      closeClone(c);
    }
  }, 60_000);
});
