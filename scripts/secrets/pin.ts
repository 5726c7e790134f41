// The key that signs sing-box pins: an Ed25519 key derived from FLEET_SECRET. A node's
// first bootstrap (as root) installs its public half, root-owned; from then on the node
// installs a sing-box release only with a pin (version, arch, SHA-256) signed by it, so a
// stolen deploy key cannot put a binary of its choice on the node.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { derive, V1 } from './hmac.ts';

export const PIN_KEY_LABEL = 'singbox-pin-key';

// RFC 8410 PKCS#8 wrapping of a raw 32-byte Ed25519 seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface PinSigner {
  /** PEM (SPKI) of the public key, as /etc/boxfleet/singbox-pin.pub holds it. */
  publicKeyPem: string;
  /** The seed as hex: a secret value (recorded for masking and redaction). */
  seedHex: string;
  sign(version: string, arch: string, sha256: string): string;
}

/** The exact bytes a pin signature covers; the node script builds the same line. */
export function pinMessage(version: string, arch: string, sha256: string): string {
  return `boxfleet-singbox-pin|v1|${version}|${arch}|${sha256}`;
}

/**
 * Not tied to the epoch: the public key is installed by root once, and an epoch bump (which
 * rotates every user credential) must not leave every node refusing upgrades.
 */
export function pinSigner(secret: Buffer): PinSigner {
  const seed = derive(secret, PIN_KEY_LABEL, V1, 'ed25519');
  const key: KeyObject = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return {
    publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
    seedHex: seed.toString('hex'),
    sign: (version, arch, sha256) => sign(null, Buffer.from(pinMessage(version, arch, sha256)), key).toString('base64'),
  };
}
