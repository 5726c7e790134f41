// Fleet files as an attacker commits them (#12 item 8): links to devices and to files
// outside the repository, a FIFO, a folder named like a YAML file, a linked folder, and a
// file of 90,000 unknown keys. Each is refused at its path with exit 1; nothing is
// followed, waited on or read past the size limit, and the 90,000 keys are checked in
// linear time (yaml's own duplicate-key check, quadratic, took minutes).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTemps, fleet, REPO, tempDir } from '../workflows/helpers.ts';

afterAll(() => cleanTemps());

function demoCopy(): string {
  const root = tempDir('boxfleet-hostile-');
  for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(root, p), { recursive: true });
  return root;
}

describe('hostile fleet files', () => {
  const cases: [string, (root: string) => void, string, RegExp][] = [
    ['a link to /dev/zero', (r) => symlinkSync('/dev/zero', join(r, 'users/x.yaml')), 'users/x.yaml:1:1', /is a symbolic link/],
    ['a link to a file outside the repository', (r) => symlinkSync('/etc/passwd', join(r, 'users/p.yaml')), 'users/p.yaml:1:1', /is a symbolic link/],
    ['a FIFO', (r) => execFileSync('mkfifo', [join(r, 'users/f.yaml')]), 'users/f.yaml:1:1', /is not a regular file \(a FIFO\)/],
    ['a folder named like a YAML file', (r) => mkdirSync(join(r, 'users/d.yaml')), 'users/d.yaml:1:1', /is not a regular file \(a folder\)/],
    ['a link to a folder', (r) => symlinkSync('/etc', join(r, 'nodes/etc.yaml')), 'nodes/etc.yaml:1:1', /is a symbolic link/],
    ['a file past 1 MiB', (r) => writeFileSync(join(r, 'users/big.yaml'), `name: big\n# ${'x'.repeat(2 * 1024 * 1024)}\n`), 'users/big.yaml:1:1', /file is larger than the 1048576 bytes \(1 MiB\) a fleet file may have/],
    ['users/ itself a link', (r) => { execFileSync('mv', [join(r, 'users'), join(r, 'real-users')]); symlinkSync(join(r, 'real-users'), join(r, 'users')); }, 'users:1:1', /is a symbolic link/],
  ];
  for (const [name, plant, where, message] of cases) {
    it(`refuses ${name} at its path`, async () => {
      const root = demoCopy();
      plant(root);
      const r = await fleet(['validate'], {}, root);
      expect(r.code).toBe(1);
      const line = r.err.split('\n').find((l) => l.startsWith(`${where}: `));
      expect(line, r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }, 30_000);
  }

  it('checks a file of 90,000 unknown keys (under 1 MiB) in linear time, naming the first ones and counting the rest', async () => {
    const root = demoCopy();
    writeFileSync(join(root, 'users/zed.yaml'), ['name: zed', ...Array.from({ length: 90_000 }, (_, i) => `k${i}: 1`)].join('\n') + '\n');
    const r = await fleet(['validate'], {}, root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^users\/zed\.yaml:2:1: unknown key `k0`/m);
    expect(r.err).toMatch(/^users\/zed\.yaml:1:1: and 89975 more problem\(s\) in this file/m);
  }, 60_000);

  it('still finds a duplicate key, with its place', async () => {
    const root = demoCopy();
    writeFileSync(join(root, 'users/zed.yaml'), 'name: zed\nrev: 1\nnote: a\nrev: 2\n');
    const r = await fleet(['validate'], {}, root);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^users\/zed\.yaml:4:1: YAML syntax: Map keys must be unique — keep one of the two keys/m);
  });
});
