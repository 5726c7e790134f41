// deploy/newer.ts: which marker commits came after this run's on the deployed branch, in a
// real repository. The marker is the node's answer (hostile): nothing but a full commit id
// reaches git.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NewerDeploys } from '../../scripts/deploy/newer.ts';

describe('a node deployed from a newer commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-newer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...a], { encoding: 'utf8', timeout: 10_000 }).trim();
  const commit = (n: number): string => { writeFileSync(join(dir, 'f'), `${n}\n`); git('add', 'f'); git('commit', '-qm', `c${n}`); return git('rev-parse', 'HEAD'); };
  git('init', '-q');
  const a = commit(1);
  const b = commit(2);
  git('checkout', '-q', '-b', 'feature', a);
  const feature = commit(3);
  git('checkout', '-q', 'main');
  const local = {}; // outside Actions: the checked-out branch
  const from = (ours: string, env: NodeJS.ProcessEnv = local) => new NewerDeploys(dir, () => ours, env);

  it('is one whose marker is a later commit of the deployed branch; the same, older or unknown ones are not', async () => {
    expect(await from(a).isNewer(b)).toBe(true);
    expect(await from(a).isNewer(a)).toBe(false);
    expect(await from(b).isNewer(a)).toBe(false);
    // A commit this clone lacks: not newer, and said once (a shallow clone would say so for every node).
    const warnings: string[] = [];
    const unknown = new NewerDeploys(dir, () => b, local, (m) => warnings.push(m));
    expect(await unknown.isNewer('0'.repeat(40))).toBe(false);
    expect(await unknown.isNewer('1'.repeat(40))).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/^warning: could not tell whether a node runs a later commit than [0-9a-f]{12} \(git merge-base exited 128: .*such nodes are deployed as before — from your own clone, run git fetch first$/)]);
    expect(await from(a).isNewer(b)).toBe(true); // and no warning for a plain answer
    expect(warnings.length).toBe(1);
    expect(await from(b).isNewer(undefined)).toBe(false);
    // No commit of our own known (not a repository, GITHUB_SHA unset): never newer.
    expect(await from('unknown').isNewer(b)).toBe(false);
  });

  it('a test node deployed from another branch does not block the deployed branch', async () => {
    expect(await from(a).isNewer(feature)).toBe(false);
    // In Actions the branch is the one the run was started on.
    expect(await from(a, { GITHUB_REF: 'refs/heads/feature' }).isNewer(feature)).toBe(true);
    expect(await from(a, { GITHUB_REF: 'refs/heads/feature' }).isNewer(b)).toBe(false);
  });

  it('with no branch to compare with (a detached checkout outside Actions, a branch name like an option) there is no check', async () => {
    git('checkout', '-q', '--detach', a);
    try {
      expect(await from(a).isNewer(b)).toBe(false);
    } finally {
      git('checkout', '-q', 'main');
    }
    expect(await from(a, { GITHUB_REF: 'refs/heads/--all' }).isNewer(b)).toBe(false);
  });

  it('a re-run in Actions: checkout pointed origin/<branch> back at the run\'s commit, its reflog still knows the tip', async () => {
    // What actions/checkout does with fetch-depth: 0 when the branch moved past GITHUB_SHA:
    // fetch every branch, then fetch the run's commit again into the branch's ref.
    const work = mkdtempSync(join(tmpdir(), 'boxfleet-newer-rerun-'));
    try {
      const w = (...args: string[]) => execFileSync('git', ['-C', work, ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
      w('init', '-q');
      w('remote', 'add', 'origin', `file://${dir}`);
      w('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*');
      w('fetch', '-q', 'origin', `+${a}:refs/remotes/origin/main`);
      w('checkout', '-q', '-B', 'main', 'refs/remotes/origin/main');
      expect(w('rev-parse', 'refs/remotes/origin/main')).toBe(a);
      const rerun = new NewerDeploys(work, () => a, { GITHUB_REF: 'refs/heads/main' });
      expect(await rerun.isNewer(b)).toBe(true);
      expect(await rerun.isNewer(feature)).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('passes nothing but a full commit id to git (a node could answer an option)', async () => {
    for (const hostile of ['--output=/tmp/x', '-h', 'HEAD', 'main', b.slice(0, 12), `${b}\n`, b.toUpperCase()]) {
      expect(await from(a).isNewer(hostile), hostile).toBe(false);
    }
  });
});
