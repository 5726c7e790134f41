// deploy.yml copies usage/ off the status branch, which anyone who can push can write to.
// `git archive | tar -x` would keep a symlink and obey the branch's own .gitattributes
// (export-ignore empties usage/: no quota enforced), so the step takes month files blob by
// blob and refuses any entry that is not a plain file. This runs the step's own script, as
// Actions runs it (bash -e), in a clone whose origin has the branch.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTemps, tempDir, workflow } from './helpers.ts';

const USAGE_STEP = /^This period's usage/;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', timeout: 30_000 }).trim();
}

/** A clone whose origin has main (fleet.yaml) and a fleet-status branch filled by `fill`. */
function cloneWithStatus(fill: (work: string) => void): string {
  const dir = tempDir('boxfleet-deploy-usage-');
  const origin = join(dir, 'origin');
  mkdirSync(origin);
  git(origin, 'init', '--quiet');
  writeFileSync(join(origin, 'fleet.yaml'), 'name: t\n');
  git(origin, 'add', '-A');
  git(origin, 'commit', '--quiet', '-m', 'fleet');
  git(origin, 'checkout', '--quiet', '--orphan', 'fleet-status');
  git(origin, 'rm', '--quiet', '-rf', '.');
  fill(origin);
  git(origin, 'add', '-A');
  git(origin, 'commit', '--quiet', '-m', 'status');
  git(origin, 'checkout', '--quiet', 'main');
  const checkout = join(dir, 'checkout');
  git(dir, 'clone', '--quiet', '--no-local', origin, checkout);
  return checkout;
}

function usageSteps(): string[] {
  const w = workflow('deploy.yml');
  return Object.values(w.jobs).flatMap((j) => j.steps.filter((s) => USAGE_STEP.test(s.name ?? '')).map((s) => s.run!));
}

const runStep = (script: string, cwd: string) =>
  spawnSync('bash', ['--noprofile', '--norc', '-e', '-c', script], { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } });

describe('deploy.yml: usage off the status branch', () => {
  afterAll(cleanTemps);

  it('every deploy job copies it with the same step', () => {
    const steps = usageSteps();
    expect(steps.length).toBe(3);
    expect(new Set(steps).size).toBe(1);
  });

  it('extracts plain month files and the commit they came from, whatever the branch\'s .gitattributes say', () => {
    const checkout = cloneWithStatus((w) => {
      mkdirSync(join(w, 'usage'));
      writeFileSync(join(w, 'usage', '2026-11.json'), '{}\n');
      writeFileSync(join(w, 'usage', 'notes.txt'), 'not a month\n');
      writeFileSync(join(w, '.gitattributes'), 'usage/** export-ignore\nusage export-ignore\n');
    });
    const r = runStep(usageSteps()[0], checkout);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(checkout, 'build/status/usage/2026-11.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(checkout, 'build/status/usage/notes.txt'))).toBe(false);
    expect(readFileSync(join(checkout, 'build/status/commit'), 'utf8').trim()).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a branch without usage/ yet leaves none', () => {
    const checkout = cloneWithStatus((w) => writeFileSync(join(w, 'latest.json'), '{}\n'));
    const r = runStep(usageSteps()[0], checkout);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(checkout, 'build/status/usage'))).toBe(false);
    expect(existsSync(join(checkout, 'build/status/commit'))).toBe(true);
  });

  it('refuses a branch whose usage/ holds a symlink, or is one, before writing anything through it', () => {
    const fills: [string, (w: string) => void][] = [
      ['a link in usage/', (w) => {
        mkdirSync(join(w, 'usage'));
        writeFileSync(join(w, 'usage', '2026-11.json'), '{}\n');
        symlinkSync('/etc/hostname', join(w, 'usage', '2026-12.json'));
      }],
      ['usage/ a link', (w) => symlinkSync('/etc', join(w, 'usage'))],
    ];
    for (const [name, fill] of fills) {
      const checkout = cloneWithStatus(fill);
      const r = runStep(usageSteps()[0], checkout);
      expect(r.status, name).toBe(1);
      expect(r.stdout, name).toContain('::error::usage/ on the status branch holds an entry that is not a plain file (mode 120000)');
      expect(() => lstatSync(join(checkout, 'build/status/usage/2026-12.json')), name).toThrow();
      expect(existsSync(join(checkout, 'build/status/commit')), name).toBe(false);
    }
  });
});
