import { describe, expect, it } from 'vitest';
import { CredentialStore, nodeCredentials, probeCredentials, userCredentials } from '../../scripts/secrets/index.ts';

const SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef', 'utf8');
const AES128 = '2022-blake3-aes-128-gcm';

describe('CredentialStore', () => {
  it('returns the same values as the pure functions, memoized', () => {
    const store = new CredentialStore(SECRET, 1);
    const alice = store.user('alice', 1);
    expect(store.user('alice', 1)).toBe(alice);
    expect(alice.uuid).toBe(userCredentials(SECRET, 1, 'alice', 1).uuid);
    expect(alice.ss2022Key(AES128)).toBe(userCredentials(SECRET, 1, 'alice', 1).ss2022Key(AES128));
    expect(store.user('alice', 2).uuid).not.toBe(alice.uuid);

    const tokyo = store.node('tokyo-1', 1);
    expect(store.node('tokyo-1', 1)).toBe(tokyo);
    expect(tokyo.realityPrivateKey).toBe(nodeCredentials(SECRET, 1, 'tokyo-1', 1).realityPrivateKey);
    expect(store.probe(1)).toBe(store.probe(1));
    expect(store.probe(1).uuid).toBe(probeCredentials(SECRET, 1, 1).uuid);
  });

  it('is not affected when the caller later overwrites its secret buffer', () => {
    const secret = Buffer.from(SECRET);
    const store = new CredentialStore(secret, 1);
    secret.fill(0);
    expect(store.user('alice', 1).uuid).toBe(userCredentials(SECRET, 1, 'alice', 1).uuid);
  });

  it('lists every secret value produced so far, and no public one', () => {
    const store = new CredentialStore(SECRET, 1);
    expect(store.allSecretValues()).toEqual([]);
    const alice = store.user('alice', 1);
    const ss = alice.ss2022Key(AES128);
    const tokyo = store.node('tokyo-1', 1);
    const ids = tokyo.realityShortIds(2);
    const serverKey = tokyo.ss2022ServerKey(AES128);
    const probe = store.probe(1);
    const values = store.allSecretValues();
    for (const value of [
      alice.uuid, alice.password, alice.token, ss,
      tokyo.realityPrivateKey, tokyo.hysteria2ObfsPassword, tokyo.clashApiSecret,
      tokyo.selfSignedKey.privateKeyPem, ...ids, serverKey,
      probe.uuid, probe.password, probe.token,
    ]) {
      expect(values).toContain(value);
    }
    expect(values).not.toContain(tokyo.realityPublicKey);
    expect(values).not.toContain(tokyo.selfSignedKey.publicKeyPem);
    expect(values).toEqual([...values].sort());
  });

  it('serves 2000 users × every value quickly (logged, not asserted)', () => {
    const store = new CredentialStore(SECRET, 1);
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      const u = store.user(`user-${i}`, 1);
      u.ss2022Key('2022-blake3-aes-128-gcm');
      u.ss2022Key('2022-blake3-aes-256-gcm');
    }
    const elapsed = performance.now() - started;
    // 30 nodes asking again hit the memo.
    for (let node = 0; node < 30; node++) for (let i = 0; i < 2000; i++) store.user(`user-${i}`, 1);
    expect(store.allSecretValues()).toHaveLength(2000 * 5);
    console.log(`derived 2000 users × 5 values in ${elapsed.toFixed(1)} ms`);
  });
});
