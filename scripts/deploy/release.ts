// The sing-box release tarball: where it comes from (fleet.yaml `singbox.download_url`, a
// template, so operators in mainland China can point at a mirror) and the one download
// path that bootstrap, deploy and `singbox install` share. Whatever the source, the bytes
// are accepted only when they match a pinned SHA-256.
import { createHash } from 'node:crypto';
import { OperationError } from '../core/command.ts';
import { readFileSync } from 'node:fs';
import type { Fleet, FleetSettings, Node } from '../model/types.ts';
import type { CredentialStore } from '../secrets/index.ts';
import { fetchGithubAsset, githubAsset } from './release-asset.ts';

/** A release tarball is ~15 MB; anything far larger is refused before it is hashed. */
const MAX_BYTES = 200 * 1024 * 1024;

export type Arch = 'amd64' | 'arm64';

export function releaseUrl(settings: Pick<FleetSettings, 'singbox'>, version: string, arch: Arch): string {
  return settings.singbox.download_url.replaceAll('{version}', version).replaceAll('{arch}', arch);
}

export const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Downloads url (bounded in size and time) and returns it only if it has sha256 `pin`. */
export async function downloadPinned(url: string, pin: string, what: string, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  let res: Response;
  try {
    const asset = githubAsset(url, env);
    res = asset ? await fetchGithubAsset(asset, what) : await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(120_000) });
  } catch (e) {
    if (e instanceof OperationError) throw e;
    throw new OperationError(`download of ${what} from ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok) {
    // A private repository's release answers 404 to anyone without a token.
    const hint = res.status === 404 && /\/releases\/download\//.test(url) && !env.GITHUB_TOKEN ? ' (a private repository\'s release: set GITHUB_TOKEN to a token that may read its contents)' : '';
    throw new OperationError(`download of ${what} from ${url} failed: HTTP ${res.status}${hint}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) throw new OperationError(`${url} is ${declared} bytes, more than a sing-box release can be`);
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > MAX_BYTES) throw new OperationError(`${url} is ${data.length} bytes, more than a sing-box release can be`);
  const got = sha256Hex(data);
  if (got !== pin) throw new OperationError(`${what} from ${url} has sha256 ${got}, but the pin is ${pin}: refusing to install it`);
  return data;
}

/**
 * The fleet's pinned release for `arch`: a local file (`--release`) or a download, verified
 * either way. `env` may hold GITHUB_TOKEN for a release asset of a private repository.
 */
export async function pinnedRelease(settings: Pick<FleetSettings, 'singbox'>, arch: Arch, file?: string, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  const { version, sha256: pins } = settings.singbox;
  const want = pins[arch];
  if (!want) throw new OperationError(`fleet.yaml pins no sha256 for sing-box ${version} on ${arch}: add singbox.sha256.${arch} from the release page first`);
  if (!file) return downloadPinned(releaseUrl(settings, version, arch), want, `sing-box ${version} (${arch})`, env);
  const data = readFileSync(file);
  const got = sha256Hex(data);
  if (got !== want) throw new OperationError(`sing-box release ${file} has sha256 ${got}, but fleet.yaml pins ${want}: refusing to install it`);
  return data;
}

/** `VERSION ARCH SHA256 SIGNATURE` for install-singbox: the fleet's pin, signed with the pin key. */
export function signedPin(fleet: Fleet, node: Node, store: CredentialStore): string[] {
  const { version, sha256: pins } = fleet.settings.singbox;
  const sha = pins[node.arch]!;
  return [version, node.arch, sha, store.pinSigner().sign(version, node.arch, sha)];
}
