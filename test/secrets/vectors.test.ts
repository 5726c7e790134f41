// Frozen test vectors. If one of these fails, the derivation changed: every deployed node
// and every user's app would stop matching. Change a vector only together with a
// deliberate, announced scheme change (a new version label or an epoch bump).
// The values were cross-checked outside Node: `openssl dgst -sha256 -hmac`, `openssl pkey`
// for the X25519 and P-256 public keys, and Python for the P-256 scalar reduction.
import { createHash, createHmac, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  derive,
  deriveBytes,
  nodeCredentials,
  probeCredentials,
  PROBE_USER,
  realityPublicKeyFromPrivate,
  userCredentials,
} from '../../scripts/secrets/index.ts';

const SECRET = Buffer.from('test-secret-0123456789abcdef0123456789abcdef', 'utf8');
const AES128 = '2022-blake3-aes-128-gcm';
const AES256 = '2022-blake3-aes-256-gcm';

describe('derivation primitives', () => {
  it('derive() is HMAC-SHA256 over the documented message', () => {
    const expected = '1b5074ac87f68d85bbe837581461f894e0fe70178e6a2fa9eac6cd5faf4e2325';
    expect(derive(SECRET, 'uuid', 'v1', 1, 'alice', 1).toString('hex')).toBe(expected);
    // The same bytes computed by hand, so the README's description is the truth.
    expect(createHmac('sha256', SECRET).update('uuid|v1|1|alice|1').digest('hex')).toBe(expected);
  });

  it('deriveBytes() is HMAC counter mode: message ‖ 0x00 ‖ i', () => {
    expect(deriveBytes(SECRET, 48, 'tls-key', 'v1', 1, 'tokyo-1', 1).toString('hex')).toBe(
      '50d23d6ee990fb0e71dc39f47b8ff3bc312b7d7843a5f706c096ded852b2d1fe' +
        '45bddc76d3024faa6f40b741b0d21e92',
    );
  });
});

describe('user "alice", epoch 1, rev 1', () => {
  const alice = userCredentials(SECRET, 1, 'alice', 1);
  it('has the frozen values', () => {
    expect(alice.uuid).toBe('1b5074ac-87f6-4d85-bbe8-37581461f894');
    expect(alice.password).toBe('Lj4H3R9Y1APhrlJjsTm-2OKq');
    expect(alice.token).toBe('_jW_e9iqe6u5HvngehKiTBtfrFL1L6vY');
    expect(alice.ss2022Key(AES128)).toBe('Gl0oa7gHogbCPWumnvuYRg==');
    expect(alice.ss2022Key(AES256)).toBe('Kq5UWHXpYCGm6z3aQXndwauxSBnKJYQhBDLlgRxxp1Q=');
  });
});

describe('probe user, epoch 1, probe rev 1', () => {
  const probe = probeCredentials(SECRET, 1, 1);
  it('has the frozen values', () => {
    expect(probe.uuid).toBe('cf2fc77b-8525-4f51-bfd6-b619b8587b14');
    expect(probe.password).toBe('FKxq2SuaPmnuDcER48ETLHYd');
    expect(probe.token).toBe('ueSE5H5LZ-RuYsMWT1O0bMg_pkgKtqeH');
    expect(probe.ss2022Key(AES128)).toBe('l/Zeo/ye6PFmbIBzjXaZUQ==');
    expect(probe.ss2022Key(AES256)).toBe('Exs7qBu9UO9quhZXJPZWwVZzbMvZfqRelwIP6J8rZtw=');
  });
});

describe('node "tokyo-1", epoch 1, rev 1', () => {
  const tokyo = nodeCredentials(SECRET, 1, 'tokyo-1', 1);
  it('has the frozen REALITY key pair and short ids', () => {
    expect(tokyo.realityPrivateKey).toBe('mC8VEr4JYbA9YJaBS5prkkzycy_yv5AriMGPfFqjxWM');
    expect(tokyo.realityPublicKey).toBe('zqb-x2NLB7fgGbsQDED8bIsmcVmA7GzNB1dhaLZikw4');
    expect(tokyo.realityShortIds(2)).toEqual(['17fd39ebbd63e028', '4ffc9e49b3ae1c21']);
  });

  it('has the frozen Shadowsocks server keys, obfs password and clash_api secret', () => {
    expect(tokyo.ss2022ServerKey(AES128)).toBe('ryWribA69S9Nghq71VEBHA==');
    expect(tokyo.ss2022ServerKey(AES256)).toBe('sljLvNX+aFTUmY9rxawrO0HU7nCc1A1SRR7iqOXbM+Y=');
    expect(tokyo.hysteria2ObfsPassword).toBe('W2Geij0-YdAMZlHrtk-iC6YZ');
    expect(tokyo.clashApiSecret).toBe('eYKYPhm7IhS9CNZe_lcl1_qKRebHfk_w');
  });

  it('has the frozen self-signed TLS key', () => {
    const { privateKeyPem, publicKeyPem } = tokyo.selfSignedKey;
    // The scalar, not the PEM bytes, is what must never change (the committed certificate
    // is bound to it); checking the JWK `d` keeps the test independent of PEM layout.
    expect(createPrivateKey(privateKeyPem).export({ format: 'jwk' }).d).toBe(
      'h4clAN3NLnAirqBmViu8HEYQnG4BvimAjBhShJvapUM',
    );
    expect(publicKeyPem).toBe(
      '-----BEGIN PUBLIC KEY-----\n' +
        'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEM1QyxDly+LpMgUq+tkdTh2B/YXdr\n' +
        'P1pZ7OBiJ22dsgnXdJSzY//jE59VmVnauKrfO6fTgokWWWwR/a8DxIm0OA==\n' +
        '-----END PUBLIC KEY-----\n',
    );
    expect(createHash('sha256').update(publicKeyPem).digest('hex')).toBe(
      '8989a3ee2b4ace696aa54140f1fecd393f64302eb7292ecd38ff4adbcbde3bc6',
    );
  });
});

describe('realityPublicKeyFromPrivate', () => {
  it('matches the sing-box documentation sample key pair', () => {
    expect(realityPublicKeyFromPrivate('UuMBgl7MXTPx9inmQp2UC7Jcnwc6XYbwDNebonM-FCc')).toBe(
      'jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0',
    );
  });

  it('refuses keys that are not 43 base64url characters', () => {
    expect(() => realityPublicKeyFromPrivate('UuMBgl7MXTPx9inmQp2UC7Jcnwc6XYbwDNebonM-FCc=')).toThrow();
    expect(() => realityPublicKeyFromPrivate('UuMBgl7MXTPx9inmQp2UC7Jcnwc6XYbwDNebonM+FCc')).toThrow();
    expect(() => realityPublicKeyFromPrivate('short')).toThrow();
  });
});

describe('PROBE_USER', () => {
  it('is the reserved name the derivation messages use', () => {
    expect(PROBE_USER).toBe('boxfleet-probe');
  });
});
