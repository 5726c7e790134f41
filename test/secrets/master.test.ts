import { describe, expect, it } from 'vitest';
import { DEMO_SECRET, DEMO_WARNING, isDemoSecret, loadMasterSecret, SecretError } from '../../scripts/secrets/index.ts';

const GOOD = 'k3Vq9Zx7Lm2Pw8Rt5Yb1Nc4Hd6Fg0Js3Ae7Wq2Uo9Ix5Ty8Re1Mn4Bv6Cz0Lk2Pj';
const preview = { purpose: 'preview' } as const;
const publish = { purpose: 'publish' } as const;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('loadMasterSecret', () => {
  it('returns a real secret for both purposes', () => {
    for (const options of [preview, publish]) {
      const loaded = loadMasterSecret({ FLEET_SECRET: GOOD }, options);
      expect(loaded.demo).toBe(false);
      expect(loaded.secret.equals(Buffer.from(GOOD, 'utf8'))).toBe(true);
    }
  });

  it('ignores surrounding whitespace such as a trailing newline', () => {
    const loaded = loadMasterSecret({ FLEET_SECRET: `  ${GOOD}\n` }, publish);
    expect(loaded.secret.toString('utf8')).toBe(GOOD);
  });

  it('refuses a secret shorter than 32 bytes without echoing it', () => {
    const short = 'hunter2-is-a-bad-secret';
    for (const options of [preview, publish]) {
      const error = errorOf(() => loadMasterSecret({ FLEET_SECRET: short }, options));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.name).toBe('SecretError');
      expect(error.message).toContain('too short');
      expect(error.message).toContain('openssl rand -base64 48');
      expect(error.message).not.toContain(short);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 16 characters, 32 bytes: accepted.
    expect(loadMasterSecret({ FLEET_SECRET: 'é'.repeat(16) }, publish).secret.length).toBe(32);
    expect(() => loadMasterSecret({ FLEET_SECRET: 'é'.repeat(15) }, publish)).toThrow(SecretError);
  });

  it('gives the demo secret for a preview when the secret is missing or empty', () => {
    for (const env of [{}, { FLEET_SECRET: '' }, { FLEET_SECRET: '  \n' }]) {
      const loaded = loadMasterSecret(env, preview);
      expect(loaded.demo).toBe(true);
      expect(loaded.secret.toString('utf8')).toBe(DEMO_SECRET);
      expect(isDemoSecret(loaded.secret)).toBe(true);
    }
    expect(DEMO_WARNING).toMatch(/demo/i);
    expect(Buffer.byteLength(DEMO_SECRET, 'utf8')).toBeGreaterThanOrEqual(32);
  });

  it('flags an explicitly set demo secret in a preview', () => {
    expect(loadMasterSecret({ FLEET_SECRET: DEMO_SECRET }, preview).demo).toBe(true);
  });

  it('refuses a missing or demo secret for publish', () => {
    for (const env of [{}, { FLEET_SECRET: '' }, { FLEET_SECRET: DEMO_SECRET }]) {
      const error = errorOf(() => loadMasterSecret(env, publish));
      expect(error).toBeInstanceOf(SecretError);
      expect(error.message).toContain('openssl rand -base64 48');
    }
    expect(errorOf(() => loadMasterSecret({}, publish)).message).toContain('not set');
    expect(errorOf(() => loadMasterSecret({ FLEET_SECRET: DEMO_SECRET }, publish)).message).toContain('demo');
  });

  it('isDemoSecret tells the demo secret from others', () => {
    expect(isDemoSecret(DEMO_SECRET)).toBe(true);
    expect(isDemoSecret(Buffer.from(DEMO_SECRET))).toBe(true);
    expect(isDemoSecret(GOOD)).toBe(false);
  });
});
