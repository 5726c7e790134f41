// What boxfleet last put in the store: key → MD5, kept in the store itself so that a
// one-user change costs a handful of requests instead of listing 40,000 keys. It names
// every token folder, and a store's public side may serve any key, so it is sealed with
// AES-256-GCM under a key derived from FLEET_SECRET: without the secret it is noise, and
// it is never trusted beyond what it decrypts to (a state that does not open, or is
// missing, sends the publisher back to listing the bucket with its credentials). Its size
// would still count the users (about 125 bytes each): the sealed text is padded to a power
// of two (64 KiB at least), so it tells no more than the order of magnitude.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { derive } from '../secrets/index.ts';

/** The state's key under the site's prefix: a dot folder, which no build ever writes. */
export const STATE_KEY = '.boxfleet/publish-state';

/**
 * `objects`: what is in the store as far as boxfleet knows, key → fingerprint (objects.ts),
 * or only the MD5 where a listing told it. An empty value marks a key an unfinished publish
 * may have written: it is put again if still wanted, deleted if not. `listed_at`: when the
 * bucket itself was last listed; the state is trusted for a day after that (publish.ts).
 */
export interface PublishState { version: 2; listed_at: string; objects: Record<string, string> }

const MAX_STATE_BYTES = 64 * 1024 * 1024;
// v2: the plain text is its length, the gzipped state and zero padding.
const MAGIC = Buffer.from('bxps2');
const MIN_PADDED = 64 * 1024;

/** The gzipped state behind its 4-byte length, padded with zeros to a power of two. */
function padded(zipped: Buffer): Buffer {
  let size = MIN_PADDED;
  while (size < zipped.length + 4) size *= 2;
  const out = Buffer.alloc(size);
  out.writeUInt32BE(zipped.length, 0);
  zipped.copy(out, 4);
  return out;
}

function unpadded(plain: Buffer): Buffer | undefined {
  if (plain.length < 4) return undefined;
  const n = plain.readUInt32BE(0);
  return n <= plain.length - 4 ? plain.subarray(4, 4 + n) : undefined;
}

function keyOf(secret: Buffer): Buffer {
  return derive(secret, 'publish-state', 'v1');
}

export function sealState(state: PublishState, secret: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(padded(gzipSync(JSON.stringify(state)))), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

/** The state, or undefined when it is not one this secret sealed (or not well-formed). */
export function openState(sealed: Buffer, secret: Buffer): PublishState | undefined {
  if (sealed.length < MAGIC.length + 28 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + 12);
  const tag = sealed.subarray(MAGIC.length + 12, MAGIC.length + 28);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), iv);
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(tag);
    const plain = unpadded(Buffer.concat([decipher.update(sealed.subarray(MAGIC.length + 28)), decipher.final()]));
    if (!plain) return undefined;
    const state = JSON.parse(gunzipSync(plain, { maxOutputLength: MAX_STATE_BYTES }).toString('utf8')) as unknown;
    return wellFormed(state) ? state : undefined;
  } catch {
    return undefined;
  }
}

function wellFormed(v: unknown): v is PublishState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  if (s.version !== 2 || typeof s.listed_at !== 'string' || Number.isNaN(Date.parse(s.listed_at))) return false;
  if (typeof s.objects !== 'object' || s.objects === null || Array.isArray(s.objects)) return false;
  return Object.values(s.objects).every((m) => typeof m === 'string' && /^(?:[0-9a-f]{32}(?::[0-9a-f]{16})?)?$/.test(m));
}
