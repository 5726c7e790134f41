// Encodings shared by the user, probe and node credentials. Each one follows what sing-box
// (and the clients) decode, see reference/singbox.md §2.4, §2.7 and §3.
import type { Part } from './hmac.ts';

/** Shadowsocks-2022 methods boxfleet uses and their exact key sizes (SIP022). */
export const SS2022_KEY_BYTES: Readonly<Record<string, number>> = Object.freeze({
  '2022-blake3-aes-128-gcm': 16,
  '2022-blake3-aes-256-gcm': 32,
});

// Only the AES methods support sing-box's multi-user mode (per-user keys, per-user
// revocation); 2022-blake3-chacha20-poly1305 is single-user, so it is refused here.
export function ss2022KeyBytes(method: string): number {
  const bytes = SS2022_KEY_BYTES[method];
  if (bytes === undefined) {
    throw new Error(
      `unsupported Shadowsocks-2022 method "${method}" (expected ${Object.keys(SS2022_KEY_BYTES).join(' or ')})`,
    );
  }
  return bytes;
}

// SS-2022 keys are read with Go's base64.StdEncoding (padding required), and a key must
// have exactly the method's size: shorter is rejected, longer is silently hashed down.
export function ss2022KeyText(bytes: Buffer, method: string): string {
  return bytes.subarray(0, ss2022KeyBytes(method)).toString('base64');
}

// Passwords and tokens appear in share links, URLs and YAML: base64url (no padding) needs
// no escaping anywhere. 18 bytes → exactly 24 characters, 24 bytes → 32 characters.
export function urlSafeText(bytes: Buffer, byteCount: number): string {
  if (bytes.length < byteCount) throw new Error('not enough derived bytes');
  return bytes.subarray(0, byteCount).toString('base64url');
}

/** RFC 4122 layout with the version-4 and variant bits set, like a random v4 UUID. */
export function uuidText(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  if (b.length !== 16) throw new Error('a UUID needs 16 bytes');
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10xx (RFC 4122)
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Epochs and revs are non-negative integers (rev - 1 must stay derivable for grace periods). */
export function counter(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function nameOf(value: string, what: string): Part {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}
