// The VMess AEAD primitives (alterId 0), written from the VMess AEAD specification:
// the nested-HMAC KDF, the encrypted auth id, and the sealed request header.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

const KDF_SALT = 'VMess AEAD KDF';
type HashFn = (data: Buffer) => Buffer;

/** HMAC over an arbitrary hash (block size 64, as for SHA-256 and every HMAC-of-SHA-256). */
function hmacOver(hash: HashFn, key: Buffer): HashFn {
  const k = key.length > 64 ? hash(key) : key;
  const ipad = Buffer.alloc(64, 0x36);
  const opad = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < k.length; i++) { ipad[i]! ^= k[i]!; opad[i]! ^= k[i]!; }
  return (data) => hash(Buffer.concat([opad, hash(Buffer.concat([ipad, data]))]));
}

/**
 * KDF(key, path...): the innermost HMAC is HMAC-SHA256 keyed with "VMess AEAD KDF"; each
 * path element wraps it as the hash of a new HMAC keyed with that element.
 */
export function kdf(key: Buffer, ...path: (string | Buffer)[]): Buffer {
  let h: HashFn = (d) => createHmac('sha256', KDF_SALT).update(d).digest();
  for (const p of path) h = hmacOver(h, typeof p === 'string' ? Buffer.from(p, 'ascii') : p);
  return h(key);
}
export const kdf16 = (key: Buffer, ...path: (string | Buffer)[]): Buffer => kdf(key, ...path).subarray(0, 16);

/** cmdKey = MD5(uuid bytes ‖ "c48619fe-8f02-49e0-b9e9-edf763e17e21"). */
export function cmdKey(uuid: Buffer): Buffer {
  return createHash('md5').update(uuid).update('c48619fe-8f02-49e0-b9e9-edf763e17e21').digest();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function fnv1a32(b: Buffer): number {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h >>> 0;
}

/** Auth id: AES-128-ECB(time ‖ 4 random bytes ‖ CRC32 of those 12) under KDF16(cmdKey, "AES Auth ID Encryption"). */
export function authId(key: Buffer, unixSeconds: number): Buffer {
  const plain = Buffer.alloc(16);
  plain.writeBigUInt64BE(BigInt(unixSeconds), 0);
  randomBytes(4).copy(plain, 8);
  plain.writeUInt32BE(crc32(plain.subarray(0, 12)), 12);
  const c = createCipheriv('aes-128-ecb', kdf16(key, 'AES Auth ID Encryption'), null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]);
}

export function gcmSeal(key: Buffer, nonce: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const c = createCipheriv('aes-128-gcm', key, nonce);
  if (aad) c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

export function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  const d = createDecipheriv('aes-128-gcm', key, nonce);
  if (aad) d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

/** authId ‖ sealed length (2+16) ‖ connection nonce (8) ‖ sealed header. */
export function sealHeader(key: Buffer, header: Buffer, unixSeconds: number): Buffer {
  const id = authId(key, unixSeconds);
  const nonce = randomBytes(8);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(header.length);
  const lenSealed = gcmSeal(kdf16(key, 'VMess Header AEAD Key_Length', id, nonce), kdf(key, 'VMess Header AEAD Nonce_Length', id, nonce).subarray(0, 12), len, id);
  const headSealed = gcmSeal(kdf16(key, 'VMess Header AEAD Key', id, nonce), kdf(key, 'VMess Header AEAD Nonce', id, nonce).subarray(0, 12), header, id);
  return Buffer.concat([id, lenSealed, nonce, headSealed]);
}
