// Formats that sing-box and the clients accept, and what each rotation knob changes.
import { describe, expect, it } from 'vitest';
import {
  nodeCredentials,
  probeCredentials,
  PROBE_USER,
  userCredentials,
  type NodeCredentials,
  type UserCredentials,
} from '../../scripts/secrets/index.ts';

const SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef', 'utf8');
const OTHER_SECRET = Buffer.from('another-secret-0123456789abcdef0123456789ab', 'utf8');
const METHODS = ['2022-blake3-aes-128-gcm', '2022-blake3-aes-256-gcm'] as const;

const userValues = (u: UserCredentials): string[] => [u.uuid, u.password, u.token, ...METHODS.map((m) => u.ss2022Key(m))];
const nodeValues = (n: NodeCredentials): string[] => [
  n.realityPrivateKey,
  n.realityPublicKey,
  ...n.realityShortIds(3),
  ...METHODS.map((m) => n.ss2022ServerKey(m)),
  n.hysteria2ObfsPassword,
  n.clashApiSecret,
  n.selfSignedKey.privateKeyPem,
  n.selfSignedKey.publicKeyPem,
];
const user = (name: string, rev: number, epoch = 1) => userValues(userCredentials(SECRET, epoch, name, rev));
const node = (name: string, rev: number, epoch = 1) => nodeValues(nodeCredentials(SECRET, epoch, name, rev));

function allDifferent(a: string[], b: string[]): void {
  expect(a).toHaveLength(b.length);
  a.forEach((value, i) => expect(value, `value #${i}`).not.toBe(b[i]));
}

describe('formats', () => {
  it('user values have the shapes the protocols need', () => {
    const u = userCredentials(SECRET, 1, 'alice', 1);
    expect(u.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(u.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Token: at least 128 bits, URL-safe, no padding.
    expect(u.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(u.token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(u.token).toHaveLength(32);
  });

  it('Shadowsocks-2022 keys are padded std base64 of the exact size', () => {
    const u = userCredentials(SECRET, 1, 'alice', 1);
    const n = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
    for (const [method, bytes, chars] of [
      ['2022-blake3-aes-128-gcm', 16, 24],
      ['2022-blake3-aes-256-gcm', 32, 44],
    ] as const) {
      for (const key of [u.ss2022Key(method), n.ss2022ServerKey(method)]) {
        expect(key).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(key).toHaveLength(chars);
        expect(Buffer.from(key, 'base64')).toHaveLength(bytes);
        expect(Buffer.from(key, 'base64').toString('base64')).toBe(key); // canonical, padded
      }
    }
  });

  it('refuses other Shadowsocks methods', () => {
    const u = userCredentials(SECRET, 1, 'alice', 1);
    const n = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
    for (const method of ['2022-blake3-chacha20-poly1305', 'aes-256-gcm', 'none', '']) {
      expect(() => u.ss2022Key(method)).toThrow(/unsupported/);
      expect(() => n.ss2022ServerKey(method)).toThrow(/unsupported/);
    }
  });

  it('REALITY keys are 43 base64url chars of 32 bytes, private key clamped', () => {
    const n = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
    for (const key of [n.realityPrivateKey, n.realityPublicKey]) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    }
    const raw = Buffer.from(n.realityPrivateKey, 'base64url');
    expect(raw[0]! & 7).toBe(0);
    expect(raw[31]! & 0xc0).toBe(0x40);
  });

  it('short ids are distinct, even-length hex of at most 16 chars, and stable as the count grows', () => {
    const n = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
    const ids = n.realityShortIds(8);
    for (const id of ids) expect(id).toMatch(/^(?:[0-9a-f]{2}){1,8}$/);
    expect(new Set(ids).size).toBe(8);
    expect(n.realityShortIds(2)).toEqual(ids.slice(0, 2));
    expect(n.realityShortIds(0)).toEqual([]);
    expect(() => n.realityShortIds(17)).toThrow();
    expect(() => n.realityShortIds(1.5)).toThrow();
  });

  it('obfs password and clash_api secret are URL-safe', () => {
    const n = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
    expect(n.hysteria2ObfsPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(n.clashApiSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(n.selfSignedKey.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(n.selfSignedKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });
});

describe('determinism and rotation', () => {
  it('same input and secret give the same bytes; another secret gives other bytes', () => {
    expect(user('alice', 1)).toEqual(user('alice', 1));
    expect(node('tokyo-1', 1)).toEqual(node('tokyo-1', 1));
    allDifferent(userValues(userCredentials(OTHER_SECRET, 1, 'alice', 1)), user('alice', 1));
  });

  it("bumping a user's rev changes all of that user's values and nothing else", () => {
    allDifferent(user('alice', 2), user('alice', 1));
    expect(user('bob', 1)).toEqual(user('bob', 1));
    expect(node('tokyo-1', 1)).toEqual(node('tokyo-1', 1));
    // The previous rev stays derivable (grace period): rev - 1 gives the old values.
    expect(user('alice', 2 - 1)).toEqual(user('alice', 1));
  });

  it("bumping a node's rev changes all of that node's keys and nothing else", () => {
    allDifferent(node('tokyo-1', 2), node('tokyo-1', 1));
    expect(node('osaka-1', 1)).toEqual(node('osaka-1', 1));
  });

  it('bumping the epoch changes every value', () => {
    allDifferent(user('alice', 1, 2), user('alice', 1, 1));
    allDifferent(node('tokyo-1', 1, 2), node('tokyo-1', 1, 1));
    allDifferent(userValues(probeCredentials(SECRET, 2, 1)), userValues(probeCredentials(SECRET, 1, 1)));
  });

  it('different users and the probe share no value', () => {
    const seen = new Set<string>();
    const all = [...user('alice', 1), ...user('bob', 1), ...user(PROBE_USER, 1), ...userValues(probeCredentials(SECRET, 1, 1))];
    for (const value of all) seen.add(value);
    expect(seen.size).toBe(all.length);
  });

  it('refuses names that could change the message layout, and bad counters', () => {
    expect(() => userCredentials(SECRET, 1, 'a|b', 1)).toThrow(/\|/);
    expect(() => userCredentials(SECRET, 1, 'a\nb', 1)).toThrow();
    expect(() => userCredentials(SECRET, 1, '', 1)).toThrow();
    expect(() => userCredentials(SECRET, 1.5, 'alice', 1)).toThrow();
    expect(() => nodeCredentials(SECRET, 1, 'tokyo-1', -1)).toThrow();
    expect(() => userCredentials(Buffer.from('short'), 1, 'alice', 1)).toThrow();
  });

  it('derives 2000 users with every value (sanity, not a timing assertion)', () => {
    const uuids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const values = userValues(userCredentials(SECRET, 1, `user-${i}`, 1));
      uuids.add(values[0]!);
    }
    expect(uuids.size).toBe(2000);
  });
});
