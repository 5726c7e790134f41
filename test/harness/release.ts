// A sing-box release as SagerNet publishes it, made from the real binary that
// test/tools/build.sh built, and a loopback HTTP server that serves it at the path of
// fleet.yaml's `singbox.download_url` template: bootstrap downloads, verifies and installs
// it exactly as it would the official tarball.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singboxBin } from '../tools/index.ts';

export interface Release {
  version: string;
  tarball: Buffer;
  sha256: string;
}

/** sing-box-<v>-linux-amd64.tar.gz holding sing-box-<v>-linux-amd64/{sing-box,LICENSE}. */
export function makeRelease(version: string, binary = singboxBin(version)): Release {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-release-'));
  try {
    const name = `sing-box-${version}-linux-amd64`;
    mkdirSync(join(dir, name));
    copyFileSync(binary, join(dir, name, 'sing-box'));
    writeFileSync(join(dir, name, 'LICENSE'), 'GPL-3.0-or-later (test copy)\n');
    // Fixed owner and time: the same binary gives the same tarball, so the same pin.
    const tarball = execFileSync('tar', ['--owner=0', '--group=0', '--mtime=2026-01-01', '--sort=name', '-czf', '-', '-C', dir, name], { maxBuffer: 512 * 1024 * 1024 });
    return { version, tarball, sha256: createHash('sha256').update(tarball).digest('hex') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReleaseServer {
  /** The value for fleet.yaml `singbox.download_url`. */
  urlTemplate: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves each release at /v<V>/sing-box-<V>-linux-amd64.tar.gz on 127.0.0.1. */
export async function serveReleases(releases: Release[]): Promise<ReleaseServer> {
  const byPath = new Map(releases.map((r) => [`/v${r.version}/sing-box-${r.version}-linux-amd64.tar.gz`, r.tarball]));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = byPath.get(req.url ?? '');
    if (body) res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length, connection: 'close' }).end(body);
    else res.writeHead(404, { connection: 'close' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    urlTemplate: `http://127.0.0.1:${port}/v{version}/sing-box-{version}-linux-{arch}.tar.gz`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
