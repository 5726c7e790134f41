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
    expect(await from(b).isNewer('0'.repeat(40))).toBe(false);
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

  it('passes nothing but a full commit id to git (a node could answer an option)', async () => {
    for (const hostile of ['--output=/tmp/x', '-h', 'HEAD', 'main', b.slice(0, 12), `${b}\n`, b.toUpperCase()]) {
      expect(await from(a).isNewer(hostile), hostile).toBe(false);
    }
  });
});
