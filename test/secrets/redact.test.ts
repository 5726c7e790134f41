import { describe, expect, it } from 'vitest';
import { ADDRESS, CredentialStore, REDACTED, redactor, withAddresses } from '../../scripts/secrets/index.ts';

const SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef', 'utf8');

describe('redactor', () => {
  it('replaces every occurrence of every value and leaves other text alone', () => {
    const redact = redactor(['s3cr3t-value-1', 'another-secret']);
    expect(redact('a s3cr3t-value-1 b another-secret c s3cr3t-value-1')).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
    expect(redact('nothing to hide here')).toBe('nothing to hide here');
    expect(redact('')).toBe('');
  });

  it('prefers the longest value at a position', () => {
    const redact = redactor(['abcdefgh', 'abcdefgh:ijklmnop']);
    expect(redact('x abcdefgh:ijklmnop y')).toBe(`x ${REDACTED} y`);
    expect(redact('x abcdefgh:zz y')).toBe(`x ${REDACTED}:zz y`);
  });

  it('ignores values shorter than 8 characters', () => {
    const redact = redactor(['short', '1234567', '12345678']);
    expect(redact('short 1234567 12345678')).toBe(`short 1234567 ${REDACTED}`);
  });

  it('treats regular-expression characters literally and redacts URL-encoded forms', () => {
    const key = 'a+b/c=d.e*f?(g)';
    const redact = redactor([key]);
    expect(redact(`k=${key}`)).toBe(`k=${REDACTED}`);
    expect(redact(`k=${encodeURIComponent(key)}`)).toBe(`k=${REDACTED}`);
    expect(redact('k=aXb/c=d.e*f?(g)')).toBe('k=aXb/c=d.e*f?(g)');
  });

  it('redacts the values of a store, thousands at once', () => {
    const store = new CredentialStore(SECRET, 1);
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const u = store.user(`user-${i}`, 1);
      lines.push(`user-${i} uuid=${u.uuid} pw=${u.password} ss=${u.ss2022Key('2022-blake3-aes-128-gcm')}`);
    }
    const node = store.node('tokyo-1', 1);
    lines.push(`reality ${node.realityPrivateKey} public ${node.realityPublicKey}`);
    lines.push(node.selfSignedKey.privateKeyPem);
    const redact = redactor(store.allSecretValues());
    const out = redact(lines.join('\n'));
    for (const value of store.allSecretValues()) expect(out.includes(value)).toBe(false);
    expect(out).toContain(`user-999 uuid=${REDACTED} pw=${REDACTED} ss=${REDACTED}`);
    expect(out).toContain(`public ${node.realityPublicKey}`);
    expect(out).not.toContain('BEGIN PRIVATE KEY-----\nMIG');
  });
});

describe('withAddresses', () => {
  it('replaces node addresses after the secrets, the longest first, and leaves other text', () => {
    const secret = 'abcdefgh-secret-value';
    const redact = withAddresses(redactor([secret]), ['10.0.0.1', '10.0.0.1.nip.io', '']);
    expect(redact(`ssh 10.0.0.1.nip.io (10.0.0.1) said ${secret}; 10.0.0.10 is a neighbour`))
      .toBe(`ssh ${ADDRESS} (${ADDRESS}) said ${REDACTED}; ${ADDRESS}0 is a neighbour`);
  });
});
