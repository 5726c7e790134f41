// The sing-box release tarball: where it comes from (fleet.yaml `singbox.download_url`, a
// template, so operators in mainland China can point at a mirror) and the one download
// path that bootstrap, deploy and `singbox install` share. Whatever the source, the bytes
// are accepted only when they match a pinned SHA-256.
import { createHash } from 'node:crypto';
import { OperationError } from '../cli/types.ts';
import type { FleetSettings } from '../model/types.ts';

/** A release tarball is ~15 MB; anything far larger is refused before it is hashed. */
const MAX_BYTES = 200 * 1024 * 1024;

export type Arch = 'amd64' | 'arm64';

export function releaseUrl(settings: Pick<FleetSettings, 'singbox'>, version: string, arch: Arch): string {
  return settings.singbox.download_url.replaceAll('{version}', version).replaceAll('{arch}', arch);
}

export const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Downloads url (bounded in size and time) and returns it only if it has sha256 `pin`. */
export async function downloadPinned(url: string, pin: string, what: string): Promise<Buffer> {
  let res: Response;
  try { res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(120_000) }); } catch (e) {
    throw new OperationError(`download of ${what} from ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok) throw new OperationError(`download of ${what} from ${url} failed: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) throw new OperationError(`${url} is ${declared} bytes, more than a sing-box release can be`);
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > MAX_BYTES) throw new OperationError(`${url} is ${data.length} bytes, more than a sing-box release can be`);
  const got = sha256Hex(data);
  if (got !== pin) throw new OperationError(`${what} from ${url} has sha256 ${got}, but the pin is ${pin}: refusing to install it`);
  return data;
}
