// HMAC-SHA256 key derivation over a labelled, versioned, `|`-separated message:
//   <label>|<version>|<part1>|<part2>|...      e.g.  uuid|v1|3|alice|2
// The label keeps every kind of credential independent of every other; the version lets one
// kind change its scheme later without touching the rest.
import { createHmac } from 'node:crypto';

export type Part = string | number;

/** Version of every derivation scheme in this folder. Changing it rotates everything. */
export const V1 = 'v1';

const LABEL = /^[a-z0-9][a-z0-9-]*$/;
const VERSION = /^v[0-9]+$/;
// `|` is the field separator, so a part containing it could impersonate two parts
// ("a|b" vs "a","b"). Control characters (NUL included) are refused too: expand() appends
// NUL + counter to a message, and no message from derive() can ever contain a NUL.
const FORBIDDEN = /[|\u0000-\u001f\u007f]/;

function partText(part: Part): string {
  if (typeof part === 'number') {
    // Only integers: "1", never "1.0", "1e21" or "NaN" — one number, one spelling.
    if (!Number.isSafeInteger(part)) throw new Error(`derivation part must be a safe integer, got ${part}`);
    return String(part);
  }
  if (typeof part !== 'string') throw new Error('derivation part must be a string or an integer');
  if (FORBIDDEN.test(part)) {
    throw new Error(`derivation part ${JSON.stringify(part)} contains "|" or a control character`);
  }
  return part;
}

/** The exact text that is MAC'd. Exported for tests and documentation. */
export function derivationMessage(label: string, version: string, ...parts: Part[]): string {
  if (!LABEL.test(label)) throw new Error(`bad derivation label ${JSON.stringify(label)}`);
  if (!VERSION.test(version)) throw new Error(`bad derivation version ${JSON.stringify(version)}`);
  let message = `${label}|${version}`;
  for (const part of parts) message += `|${partText(part)}`;
  return message;
}

function checkKey(secret: Buffer): void {
  // Defence in depth: loadMasterSecret() already refuses short secrets, but a caller that
  // builds a Buffer by hand must not derive real keys from, say, an empty one.
  if (!Buffer.isBuffer(secret) || secret.length < 32) {
    throw new Error('master secret must be a Buffer of at least 32 bytes');
  }
}

/** HMAC-SHA256(secret, "label|version|part1|part2|..."): 32 bytes. */
export function derive(secret: Buffer, label: string, version: string, ...parts: Part[]): Buffer {
  checkKey(secret);
  return createHmac('sha256', secret).update(derivationMessage(label, version, ...parts), 'utf8').digest();
}

/**
 * Any number of bytes (1..8160) in counter mode: block i = HMAC(secret, message ‖ 0x00 ‖ i),
 * i = 1, 2, ... Used where 32 bytes are not enough (e.g. a P-256 scalar reduced without bias).
 * Blocks never equal a derive() output because derive() messages cannot contain NUL.
 */
export function deriveBytes(
  secret: Buffer,
  length: number,
  label: string,
  version: string,
  ...parts: Part[]
): Buffer {
  checkKey(secret);
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new Error(`deriveBytes length must be 1..${255 * 32}, got ${length}`);
  }
  const message = Buffer.from(derivationMessage(label, version, ...parts), 'utf8');
  const blocks: Buffer[] = [];
  for (let i = 1; blocks.length * 32 < length; i++) {
    blocks.push(createHmac('sha256', secret).update(message).update(Buffer.from([0, i])).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}
