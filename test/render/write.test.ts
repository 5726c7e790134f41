// writeBuild with lazy sections: entries rendered while earlier ones are written, all or
// nothing swapped in, and a render that fails half-way leaves the old build as it was.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeBuild } from '../../scripts/render/write.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const scratch = (): string => { const d = mkdtempSync(join(tmpdir(), 'boxfleet-write-')); dirs.push(d); return d; };

function* users(count: number, failAt = -1): Generator<[string, Record<string, string>]> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`render failed at user ${i}`);
    yield [`user-${i}`, { 'a.txt': `a${i}\n`, 'b.txt': 'é'.repeat(i) }];
  }
}

describe('writeBuild', () => {
  it('writes every entry of a lazy section, owner-only, and counts files, bytes and entries', async () => {
    const out = join(scratch(), 'build');
    const r = await writeBuild(out, [{ name: 'nodes', entries: new Map([['n1', { 'config.json': '{}\n' }]]) }, { name: 'users', entries: users(300) }]);
    expect(r.files).toBe(601);
    expect(r.entries).toEqual({ nodes: 1, users: 300 });
    expect(r.bytes).toBe(3 + [...Array(300).keys()].reduce((n, i) => n + `a${i}\n`.length + 2 * i, 0));
    expect(readdirSync(join(out, 'users'))).toHaveLength(300);
    expect(readFileSync(join(out, 'users/user-299/b.txt'), 'utf8')).toBe('é'.repeat(299));
    expect(statSync(join(out, 'users/user-7/a.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'users/user-7')).mode & 0o777).toBe(0o700);
    expect(readdirSync(out).sort()).toEqual(['.boxfleet-output', 'nodes', 'users']);
  });

  it('a render that fails half-way leaves the previous build untouched and no temporary folder', async () => {
    const out = join(scratch(), 'build');
    mkdirSync(join(out, 'users/old'), { recursive: true });
    writeFileSync(join(out, 'users/old/a.txt'), 'old');
    await expect(writeBuild(out, [{ name: 'users', entries: users(200, 150) }])).rejects.toThrow('render failed at user 150');
    expect(readdirSync(out)).toEqual(['users']);
    expect(readdirSync(join(out, 'users'))).toEqual(['old']);
  });

  it('a render that fails before anything was written leaves no output folder behind', async () => {
    const out = join(scratch(), 'build');
    await expect(writeBuild(out, [{ name: 'users', entries: users(5, 0) }])).rejects.toThrow('render failed at user 0');
    expect(() => statSync(out)).toThrow();
  });
});
