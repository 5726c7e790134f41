// deploy/newer.ts: which marker commits came after this run's, in a real repository. The
// marker is the node's answer (hostile): nothing but a full commit id reaches git.
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
  git('checkout', '-q', '-b', 'side', a);
  const side = commit(3);

  it('is one whose marker commit has this run\'s as an ancestor; the same, older, unrelated or unknown ones are not', () => {
    const fromA = new NewerDeploys(dir, () => a);
    expect(fromA.isNewer(b)).toBe(true);
    expect(fromA.isNewer(side)).toBe(true);
    expect(fromA.isNewer(a)).toBe(false);
    const fromB = new NewerDeploys(dir, () => b);
    expect(fromB.isNewer(a)).toBe(false);
    expect(fromB.isNewer(side)).toBe(false);
    expect(fromB.isNewer('0'.repeat(40))).toBe(false);
    expect(fromB.isNewer(undefined)).toBe(false);
    // No commit of our own known (not a repository, GITHUB_SHA unset): never newer.
    expect(new NewerDeploys(dir, () => 'unknown').isNewer(b)).toBe(false);
  });

  it('passes nothing but a full commit id to git (a node could answer an option)', () => {
    const fromA = new NewerDeploys(dir, () => a);
    for (const hostile of ['--output=/tmp/x', '-h', 'HEAD', 'main', b.slice(0, 12), `${b}\n`, b.toUpperCase()]) {
      expect(fromA.isNewer(hostile), hostile).toBe(false);
    }
  });
});
