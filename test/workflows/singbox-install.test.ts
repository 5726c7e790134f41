// `fleet singbox install` against a loopback HTTP server that serves real sing-box
// releases (built by test/tools/build.sh, packed in SagerNet's layout) at the path of
// fleet.yaml's `singbox.download_url`. Never the internet.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRelease, serveReleases, type Release, type ReleaseServer } from '../harness/index.ts';
import { TOOL_VERSIONS } from '../tools/index.ts';
import { cleanTemps, fleet, REPO, tempDir } from './helpers.ts';

const PINNED = TOOL_VERSIONS.singbox.pinned;
const NEWEST = TOOL_VERSIONS.singbox.newest;
let server: ReleaseServer;
let pinned: Release;
let newest: Release;
let sha: string;
const served = (): string[] => server.requests;

beforeAll(async () => {
  pinned = makeRelease(PINNED);
  newest = makeRelease(NEWEST);
  sha = pinned.sha256;
  server = await serveReleases([pinned, newest]);
});
afterAll(async () => {
  await server.close();
  cleanTemps();
});

/** A copy of the demo fleet pinning `pin` for amd64, downloading from the test server. */
function fleetPinning(pin?: string): string {
  const root = tempDir('boxfleet-fleet-');
  for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(root, p), { recursive: true });
  const sha256 = pin ? `  sha256:\n    amd64: "${pin}"\n` : '';
  const text = readFileSync(join(root, 'fleet.yaml'), 'utf8').replace(/^singbox:\n  version: (\S+)\n/m, `singbox:\n  version: $1\n${sha256}  download_url: "${server.urlTemplate}"\n`);
  writeFileSync(join(root, 'fleet.yaml'), text);
  return root;
}

describe('fleet singbox install', () => {
  it('installs the fleet\'s version when the tarball matches fleet.yaml\'s pin, and adds DIR to GITHUB_PATH', async () => {
    const root = fleetPinning(sha);
    const dir = join(tempDir(), 'bin');
    const gp = join(tempDir(), 'path');
    writeFileSync(gp, '');
    const r = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', dir, '--add-to-path'], { GITHUB_PATH: gp }, root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`sing-box version ${PINNED}`);
    expect(r.out).toContain('sha256 verified against fleet.yaml singbox.sha256.amd64');
    expect(execFileSync(join(dir, 'sing-box'), ['version'], { encoding: 'utf8' })).toMatch(new RegExp(`^sing-box version ${PINNED.replace(/\./g, '\\.')}\n`));
    expect(readFileSync(gp, 'utf8')).toBe(`${dir}\n`);
    expect(served().at(-1)).toBe(`/v${PINNED}/sing-box-${PINNED}-linux-amd64.tar.gz`);
  });

  it('installs another version with --sha256', async () => {
    const dir = join(tempDir(), 'bin');
    const r = await fleet(['singbox', 'install', '--version', NEWEST, '--sha256', newest.sha256, '--arch', 'amd64', '--dir', dir], {}, fleetPinning());
    expect(r.code).toBe(0);
    expect(execFileSync(join(dir, 'sing-box'), ['version'], { encoding: 'utf8' })).toContain(`sing-box version ${NEWEST}`);
  });

  it('a checksum mismatch exits 1 and installs nothing', async () => {
    const root = fleetPinning('0'.repeat(64));
    const dir = join(tempDir(), 'bin');
    const r = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', dir], {}, root);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`has sha256 ${sha}, but the pin is ${'0'.repeat(64)}: refusing to install it`);
    expect(existsSync(dir)).toBe(false);
    const other = await fleet(['singbox', 'install', '--version', NEWEST, '--sha256', 'f'.repeat(64), '--arch', 'amd64', '--dir', dir], {}, fleetPinning());
    expect(other.code).toBe(1);
    expect(existsSync(join(dir, 'sing-box'))).toBe(false);
  });

  it('refuses a release with no pinned checksum, before downloading anything', async () => {
    const before = served().length;
    const root = fleetPinning();
    const unpinned = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', tempDir()], {}, root);
    expect(unpinned.code).toBe(1);
    expect(unpinned.err).toContain(`fleet.yaml pins no sha256 for sing-box ${PINNED} on amd64`);
    const other = await fleet(['singbox', 'install', '--version', NEWEST, '--arch', 'amd64', '--dir', tempDir()], {}, root);
    expect(other.code).toBe(1);
    expect(other.err).toContain(`no checksum pinned for sing-box ${NEWEST}`);
    const empty = await fleet(['singbox', 'install', '--version', '', '--sha256', '', '--dir', tempDir()], {}, root);
    expect(empty.code).toBe(2);
    expect(served().length).toBe(before);
  });

  it('a missing release is an HTTP error, not a crash', async () => {
    const r = await fleet(['singbox', 'install', '--version', '9.9.9', '--sha256', sha, '--arch', 'amd64', '--dir', tempDir()], {}, fleetPinning());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/HTTP 404/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
