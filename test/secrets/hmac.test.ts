import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivationMessage, derive, deriveBytes } from '../../scripts/secrets/index.ts';

const SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef', 'utf8');

describe('derive', () => {
  it('MACs label|version|parts', () => {
    expect(derivationMessage('uuid', 'v1', 3, 'alice', 2)).toBe('uuid|v1|3|alice|2');
    const expected = createHmac('sha256', SECRET).update('uuid|v1|3|alice|2').digest();
    expect(derive(SECRET, 'uuid', 'v1', 3, 'alice', 2).equals(expected)).toBe(true);
  });

  it('refuses parts that contain the separator or control characters', () => {
    expect(() => derive(SECRET, 'uuid', 'v1', 'a|b')).toThrow(/\|/);
    expect(() => derive(SECRET, 'uuid', 'v1', 'a\u0000b')).toThrow();
    expect(() => derive(SECRET, 'uuid', 'v1', 1.5)).toThrow(/integer/);
    expect(() => derive(SECRET, 'uuid', 'v1', Number.NaN)).toThrow(/integer/);
  });

  it('refuses malformed labels and versions', () => {
    expect(() => derive(SECRET, 'a|b', 'v1')).toThrow(/label/);
    expect(() => derive(SECRET, '', 'v1')).toThrow(/label/);
    expect(() => derive(SECRET, 'uuid', '1')).toThrow(/version/);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => derive(Buffer.alloc(31), 'uuid', 'v1')).toThrow(/32 bytes/);
  });

  it('keeps labels and versions independent', () => {
    const a = derive(SECRET, 'uuid', 'v1', 1, 'alice', 1);
    expect(a.equals(derive(SECRET, 'password', 'v1', 1, 'alice', 1))).toBe(false);
    expect(a.equals(derive(SECRET, 'uuid', 'v2', 1, 'alice', 1))).toBe(false);
  });
});

describe('deriveBytes', () => {
  it('gives the requested length, with stable prefixes', () => {
    const long = deriveBytes(SECRET, 100, 'tls-key', 'v1', 'x');
    expect(long).toHaveLength(100);
    expect(deriveBytes(SECRET, 48, 'tls-key', 'v1', 'x').equals(long.subarray(0, 48))).toBe(true);
    const block1 = createHmac('sha256', SECRET).update('tls-key|v1|x\u0000\u0001').digest();
    expect(long.subarray(0, 32).equals(block1)).toBe(true);
    expect(long.subarray(0, 32).equals(derive(SECRET, 'tls-key', 'v1', 'x'))).toBe(false);
  });

  it('refuses impossible lengths', () => {
    expect(() => deriveBytes(SECRET, 0, 'tls-key', 'v1')).toThrow();
    expect(() => deriveBytes(SECRET, 255 * 32 + 1, 'tls-key', 'v1')).toThrow();
  });
});
