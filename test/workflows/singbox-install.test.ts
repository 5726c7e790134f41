// `fleet singbox install` against a loopback HTTP server that serves real sing-box
// releases (built by test/tools/build.sh, packed in SagerNet's layout) at the path of
// fleet.yaml's `singbox.download_url`. Never the internet.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRelease, serveReleases, type Release, type ReleaseServer } from '../harness/index.ts';
import { startGitHubStandIn } from '../stand-ins/github/index.ts';
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

/** `root`'s fleet.yaml with another amd64 pin. */
function fleetPinningIn(root: string, pin: string): string {
  writeFileSync(join(root, 'fleet.yaml'), readFileSync(join(root, 'fleet.yaml'), 'utf8').replace(/amd64: "[0-9a-f]{64}"/, `amd64: "${pin}"`));
  return root;
}

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

  it('fetches a private repository\'s release asset through the API with GITHUB_TOKEN; the token never reaches the storage host', async () => {
    // The stats build lives in the fleet repository's releases; a private repository's
    // browser download URL is a 404 without a signed-in browser (GitHub stand-in, OpenAPI-checked).
    const gh = await startGitHubStandIn();
    try {
      const tag = `sing-box-stats-v${PINNED}`;
      gh.addReleaseAsset(tag, `sing-box-${PINNED}-linux-amd64.tar.gz`, pinned.tarball);
      const root = fleetPinning(sha);
      const template = `${gh.url}/acme/fleet/releases/download/sing-box-stats-v{version}/sing-box-{version}-linux-{arch}.tar.gz`;
      writeFileSync(join(root, 'fleet.yaml'), readFileSync(join(root, 'fleet.yaml'), 'utf8').replace(/download_url: "[^"]*"/, `download_url: "${template}"`));
      const github = { GITHUB_SERVER_URL: gh.url, GITHUB_API_URL: gh.url };

      const without = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', join(tempDir(), 'bin')], github, root);
      expect(without.code).toBe(1);
      expect(without.err).toMatch(/HTTP 404 \(a private repository's release: set GITHUB_TOKEN to a token that may read its contents\)/);

      const violations = gh.violations.length; // the browser URL is no API route: the one expected
      const dir = join(tempDir(), 'bin');
      const r = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', dir], { ...github, GITHUB_TOKEN: 'test-token' }, root);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(execFileSync(join(dir, 'sing-box'), ['version'], { encoding: 'utf8' })).toMatch(new RegExp(`^sing-box version ${PINNED.replace(/\./g, '\\.')}\n`));
      expect(gh.requests.slice(-2).map((q) => q.operationId)).toEqual(['repos/get-release-by-tag', 'repos/get-release-asset']);
      expect(gh.violations.slice(violations)).toEqual([]);
      expect(gh.storageRequests).toEqual([{ path: `/assets/${gh.assets[0]!.id}`, authorization: false }]);

      // A pin that does not match what the release holds is refused, token or not.
      const bad = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', join(tempDir(), 'bin')], { ...github, GITHUB_TOKEN: 'test-token' }, fleetPinningIn(root, '0'.repeat(64)));
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/has sha256 [0-9a-f]{64}, but the pin is 0{64}: refusing to install it/);
      // An asset the release does not have: named, not a stack trace.
      gh.assets.splice(0);
      gh.addReleaseAsset(tag, 'something-else.tar.gz', Buffer.from('x'));
      const missing = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', join(tempDir(), 'bin')], { ...github, GITHUB_TOKEN: 'test-token' }, root);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(new RegExp(`release ${tag} of acme/fleet has no asset sing-box-${PINNED.replace(/\./g, '\\.')}-linux-amd64\.tar\.gz`));
    } finally {
      await gh.stop();
    }
  });
});
