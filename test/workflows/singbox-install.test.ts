// `fleet singbox install` against a local HTTP server that serves a release tarball laid
// out like SagerNet's (sing-box-<V>-linux-<arch>/sing-box; the binary is the sing-box
// stand-in). Never the internet: BOXFLEET_SINGBOX_RELEASE_BASE points at loopback.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanTemps, fleet, REPO, tempDir } from './helpers.ts';

const STAND_IN = join(REPO, 'test/stand-ins/sing-box/sing-box');
let server: Server;
let base: string;
let tarball: Buffer;
let sha: string;
const served: string[] = [];

function makeTarball(version: string): Buffer {
  const d = tempDir('boxfleet-release-');
  const inner = join(d, `sing-box-${version}-linux-amd64`);
  mkdirSync(inner);
  copyFileSync(STAND_IN, join(inner, 'sing-box'));
  writeFileSync(join(inner, 'LICENSE'), 'test');
  execFileSync('chmod', ['0755', join(inner, 'sing-box')]);
  return execFileSync('tar', ['-czf', '-', '-C', d, `sing-box-${version}-linux-amd64`]);
}

beforeAll(async () => {
  tarball = makeTarball('1.12.24');
  sha = createHash('sha256').update(tarball).digest('hex');
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/v1.12.24/sing-box-1.12.24-linux-amd64.tar.gz' || req.url === '/v1.13.0/sing-box-1.13.0-linux-amd64.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(tarball);
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  cleanTemps();
});

/** A copy of the demo fleet whose fleet.yaml pins `pin` for amd64. */
function fleetPinning(pin: string): string {
  const root = tempDir('boxfleet-fleet-');
  for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(REPO, p), join(root, p), { recursive: true });
  const text = readFileSync(join(root, 'fleet.yaml'), 'utf8').replace(/^singbox:\n  version: (\S+)\n/m, `singbox:\n  version: $1\n  sha256:\n    amd64: "${pin}"\n`);
  writeFileSync(join(root, 'fleet.yaml'), text);
  return root;
}

describe('fleet singbox install', () => {
  it('installs the fleet\'s version when the tarball matches fleet.yaml\'s pin, and adds DIR to GITHUB_PATH', async () => {
    const root = fleetPinning(sha);
    const dir = join(tempDir(), 'bin');
    const gp = join(tempDir(), 'path');
    writeFileSync(gp, '');
    const r = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', dir, '--add-to-path'], { BOXFLEET_SINGBOX_RELEASE_BASE: base, GITHUB_PATH: gp }, root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sing-box version 1\.12\.24 .*sha256 verified against fleet\.yaml singbox\.sha256\.amd64/);
    expect(execFileSync(join(dir, 'sing-box'), ['version'], { encoding: 'utf8' })).toMatch(/^sing-box version 1\.12\.24/);
    expect(readFileSync(gp, 'utf8')).toBe(`${dir}\n`);
    expect(served.at(-1)).toBe('/v1.12.24/sing-box-1.12.24-linux-amd64.tar.gz');
  });

  it('installs another version with --sha256', async () => {
    const dir = join(tempDir(), 'bin');
    const r = await fleet(['singbox', 'install', '--version', '1.13.0', '--sha256', sha, '--arch', 'amd64', '--dir', dir], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'sing-box'))).toBe(true);
  });

  it('a checksum mismatch exits 1 and installs nothing', async () => {
    const root = fleetPinning('0'.repeat(64));
    const dir = join(tempDir(), 'bin');
    const r = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', dir], { BOXFLEET_SINGBOX_RELEASE_BASE: base }, root);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`has sha256 ${sha}, but fleet.yaml singbox.sha256.amd64 pins ${'0'.repeat(64)}: refusing to install it`);
    expect(existsSync(dir)).toBe(false);
    const other = await fleet(['singbox', 'install', '--version', '1.13.0', '--sha256', 'f'.repeat(64), '--arch', 'amd64', '--dir', dir], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(other.code).toBe(1);
    expect(existsSync(join(dir, 'sing-box'))).toBe(false);
  });

  it('refuses a release with no pinned checksum, before downloading anything', async () => {
    const before = served.length;
    const unpinned = await fleet(['singbox', 'install', '--arch', 'amd64', '--dir', tempDir()], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(unpinned.code).toBe(1);
    expect(unpinned.err).toMatch(/fleet\.yaml pins no sha256 for sing-box 1\.12\.24 on amd64/);
    const other = await fleet(['singbox', 'install', '--version', '1.13.0', '--arch', 'amd64', '--dir', tempDir()], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/no checksum pinned for sing-box 1\.13\.0/);
    const empty = await fleet(['singbox', 'install', '--version', '', '--sha256', '', '--dir', tempDir()], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(empty.code).toBe(2);
    expect(served.length).toBe(before);
  });

  it('a missing release is an HTTP error, not a crash', async () => {
    const r = await fleet(['singbox', 'install', '--version', '9.9.9', '--sha256', sha, '--arch', 'amd64', '--dir', tempDir()], { BOXFLEET_SINGBOX_RELEASE_BASE: base });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/HTTP 404/);
  });
});
