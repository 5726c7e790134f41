// #18: the stats build is reproducible. scripts/usage/build-stats.sh run again makes the very
// bytes build.sh's run made (packing: fixed order, owners, times, gzip without a name), and
// the ledger helper built with an empty Go cache is the helper in the tarball (nothing of
// the machine's cache or paths is in it). stats-build.yml does the same on two runners for
// sing-box itself, whose cold build is too slow for every test run.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statsBuild, TOOL_VERSIONS } from '../tools/index.ts';

const REPO = join(import.meta.dirname, '..', '..');
const SCRIPT = join(REPO, 'scripts/usage/build-stats.sh');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('scripts/usage/build-stats.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-stats-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const version = TOOL_VERSIONS.singbox.pinned;

  it('makes the same tarball again, byte for byte, and prints its SHA-256', () => {
    const out = execFileSync('bash', [SCRIPT, version, 'amd64', join(dir, 'again')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const tarball = readFileSync(join(dir, 'again', `sing-box-${version}-linux-amd64.tar.gz`));
    expect(out.trim()).toBe(sha(tarball));
    expect(sha(tarball)).toBe(statsBuild().sha256);
    const list = execFileSync('tar', ['-tzvf', join(dir, 'again', `sing-box-${version}-linux-amd64.tar.gz`)], { encoding: 'utf8' });
    expect(list.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(-1)[0])).toEqual([
      `sing-box-${version}-linux-amd64/`, `sing-box-${version}-linux-amd64/LICENSE`, `sing-box-${version}-linux-amd64/boxfleet-usage`, `sing-box-${version}-linux-amd64/sing-box`,
    ]);
    expect(list).toMatch(/0\/0 .*1970-01-01 00:00 sing-box-/);
  }, 600_000);

  it('the helper built with an empty Go cache is the one in the tarball', () => {
    const cache = join(dir, 'gocache');
    execFileSync('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', '-s -w -buildid=', '-o', join(dir, 'helper'), '.'], {
      cwd: join(REPO, 'scripts/usage/node-helper'), env: { ...process.env, GOCACHE: cache, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64', GOFLAGS: '-mod=mod' }, stdio: 'pipe', timeout: 600_000,
    });
    expect(sha(readFileSync(join(dir, 'helper')))).toBe(sha(readFileSync(statsBuild().helper)));
  }, 600_000);

  it('stats-build.yml reads the version it builds from fleet.yaml, as the model does', () => {
    const line = readFileSync(join(REPO, '.github/workflows/stats-build.yml'), 'utf8').split('\n').map((l) => l.trim()).find((l) => l.startsWith('version=$(sed'))!;
    const got = execFileSync('bash', ['-c', `${line}; echo "$version"`], { cwd: REPO, encoding: 'utf8' }).trim();
    expect(got).toBe(TOOL_VERSIONS.singbox.pinned);
    expect(readFileSync(join(REPO, 'fleet.yaml'), 'utf8')).toMatch(new RegExp(`^singbox:\\n  version: ${got.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('says what it needs when called wrongly (exit 2)', () => {
    for (const args of [[], ['1.12', 'amd64', dir], [version, 'mips', dir]]) {
      const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage: build-stats\.sh VERSION ARCH OUTDIR|VERSION must look like|ARCH must be/);
    }
  });
});
