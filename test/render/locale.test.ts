// Same input, same bytes on any machine: the process's locale (LANG, LC_ALL) must not change
// what is rendered. Node's localeCompare follows it: under da_DK "aa" sorts after "z", which
// reordered every node's users, so a runner with that locale redeployed the whole fleet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanCopies, demoCopy, NOW, REPO } from '../model/helpers.ts';

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('rendering under another locale', () => {
  const work = mkdtempSync(join(tmpdir(), 'boxfleet-locale-'));
  afterAll(() => { cleanCopies(); rmSync(work, { recursive: true, force: true }); });

  it('gives the same configs under da_DK.UTF-8 as under C.UTF-8', () => {
    const dir = demoCopy();
    writeFileSync(join(dir, 'users', 'aase.yaml'), 'name: aase\nrev: 1\n'); // "aa": after "z" in Danish
    const render = (locale: string): Map<string, string> => {
      const out = join(work, locale);
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/fleet.ts'), 'render', '--root', dir, '--out', out, '--now', NOW],
        { cwd: REPO, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: locale, LC_ALL: locale } });
      expect(r.status, r.stderr).toBe(0);
      return files(out);
    };
    const c = render('C.UTF-8');
    const danish = render('da_DK.UTF-8');
    expect([...c.keys()].filter((f) => f.endsWith('config.json')).length).toBeGreaterThan(0);
    expect([...c.values()].some((t) => t.includes('aase'))).toBe(true);
    expect(danish).toEqual(c);
  }, 240_000);
});
