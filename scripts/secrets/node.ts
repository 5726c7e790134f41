// Per-node keys. Message: <label>|v1|<epoch>|<node>|<rev>[|<index or method>].
// Bumping the node's rev rotates all of them; bumping the fleet epoch rotates every node.
import { createECDH, createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { derive, deriveBytes, V1 } from './hmac.ts';
import { counter, nameOf, ss2022KeyBytes, ss2022KeyText, urlSafeText } from './formats.ts';

export interface SelfSignedKey {
  /** PKCS#8 PEM of the node's P-256 TLS key (secret). */
  readonly privateKeyPem: string;
  /** SPKI PEM of its public key (public: the committed certificate carries it). */
  readonly publicKeyPem: string;
}

export interface NodeCredentials {
  /** REALITY X25519 private key: clamped, base64url without padding, 43 characters. */
  readonly realityPrivateKey: string;
  /** The matching public key (public: goes into every client profile). */
  readonly realityPublicKey: string;
  /** The first `count` short ids: 16 lowercase hex characters each (8 bytes). */
  realityShortIds(count: number): string[];
  /** Shadowsocks-2022 server key (iPSK): std base64 with padding, exact method size. */
  ss2022ServerKey(method: string): string;
  /** Hysteria2 salamander obfs password: base64url of 18 bytes, 24 characters. */
  readonly hysteria2ObfsPassword: string;
  /** clash_api secret: base64url of 24 bytes, 32 characters. */
  readonly clashApiSecret: string;
  readonly selfSignedKey: SelfSignedKey;
}

export const NODE_LABELS = Object.freeze({
  reality: 'reality-key',
  shortId: 'reality-short-id',
  ss2022: 'ss2022-server',
  obfs: 'hy2-obfs',
  clash: 'clash-secret',
  tls: 'tls-key',
});

/** sing-box's REALITY short_id decodes into a fixed 8-byte array: never emit more than 16 hex chars. */
export const MAX_SHORT_IDS = 16;

// PKCS#8 wrapper for a raw X25519 private key (RFC 8410):
// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.110 }, OCTET STRING { OCTET STRING <32 bytes> } }.
// Node 20 cannot import a JWK private key without its `x`, so DER is the way in.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Public REALITY key (base64url, 43 chars) for a private one in sing-box's format. */
export function realityPublicKeyFromPrivate(privB64url: string): string {
  if (typeof privB64url !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(privB64url)) {
    throw new Error('REALITY private key must be 43 base64url characters without padding');
  }
  const raw = Buffer.from(privB64url, 'base64url');
  if (raw.length !== 32) throw new Error('REALITY private key must decode to 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('could not compute the REALITY public key');
  return x;
}

// X25519 clamps the scalar when it is used, so clamping changes nothing cryptographically.
// It makes the stored key canonical and byte-identical in form to `sing-box generate
// reality-keypair` (wgtypes clamps), so tools that check the bits accept it.
function clampX25519(bytes: Buffer): Buffer {
  const k = Buffer.from(bytes.subarray(0, 32));
  k[0] = k[0]! & 248;
  k[31] = (k[31]! & 127) | 64;
  return k;
}

// Order of the P-256 group.
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

// A valid scalar is 1..n-1. Reducing 48 bytes (384 bits) modulo n-1 and adding 1 leaves a
// bias of about 2^-128 (FIPS 186-4 B.4.1); a plain 32-byte value could be >= n or 0.
function p256Key(seed48: Buffer): SelfSignedKey {
  const d = (BigInt(`0x${seed48.toString('hex')}`) % (P256_N - 1n)) + 1n;
  const dBytes = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(dBytes);
  const point = ecdh.getPublicKey(); // uncompressed: 0x04 ‖ x ‖ y
  const jwk: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    d: dBytes.toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  return Object.freeze({
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  });
}

export function nodeCredentials(secret: Buffer, epoch: number, nodeName: string, rev: number): NodeCredentials {
  const parts = [counter(epoch, 'epoch'), nameOf(nodeName, 'node name'), counter(rev, 'rev')] as const;
  const L = NODE_LABELS;
  const realityPrivateKey = clampX25519(derive(secret, L.reality, V1, ...parts)).toString('base64url');
  const shortIds: string[] = [];
  const ssKeys = new Map<string, string>();
  let realityPublicKey: string | undefined;
  return Object.freeze({
    realityPrivateKey,
    // Only clients' profiles need it: a deploy, which renders servers only, never pays for it.
    get realityPublicKey(): string {
      return (realityPublicKey ??= realityPublicKeyFromPrivate(realityPrivateKey));
    },
    // Each index has its own message, so raising the count keeps the existing ids.
    realityShortIds(count: number): string[] {
      if (!Number.isInteger(count) || count < 0 || count > MAX_SHORT_IDS) {
        throw new Error(`short id count must be 0..${MAX_SHORT_IDS}, got ${String(count)}`);
      }
      for (let i = shortIds.length; i < count; i++) {
        shortIds.push(derive(secret, L.shortId, V1, ...parts, i).subarray(0, 8).toString('hex'));
      }
      return shortIds.slice(0, count);
    },
    ss2022ServerKey(method: string): string {
      let key = ssKeys.get(method);
      if (key === undefined) {
        ss2022KeyBytes(method);
        key = ss2022KeyText(derive(secret, L.ss2022, V1, ...parts, method), method);
        ssKeys.set(method, key);
      }
      return key;
    },
    hysteria2ObfsPassword: urlSafeText(derive(secret, L.obfs, V1, ...parts), 18),
    clashApiSecret: urlSafeText(derive(secret, L.clash, V1, ...parts), 24),
    selfSignedKey: p256Key(deriveBytes(secret, 48, L.tls, V1, ...parts)),
  });
}
