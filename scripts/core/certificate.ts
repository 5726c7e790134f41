// Self-signed node certificates. The certificate is public and committed in the node's
// YAML; its key is derived from FLEET_SECRET and never stored. So render and deploy must
// be able to tell a certificate that belongs to the derived key from one that was made
// with another secret (or another node rev): clients would pin a key the node cannot use.
import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { childEnv } from './child-env.ts';
import { ipVersion } from './ip.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when the certificate carries exactly this public key (SPKI PEM). */
export function certificateMatchesKey(certPem: string, publicKeyPem: string): boolean {
  try {
    const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const expected = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
    return fromCert.equals(expected);
  } catch {
    return false; // unparsable input never "matches"
  }
}

export interface CertificateRequest {
  /** PKCS#8 PEM of the derived key: written only to a 0600 file that is removed afterwards. */
  privateKeyPem: string;
  /** CN and first subjectAltName. */
  serverName: string;
  /** The node's address; added as an IP subjectAltName when it is an IP. */
  address: string;
  days?: number;
}

/** Names the certificate must cover, as an openssl subjectAltName value. */
export function subjectAltNames(serverName: string, address: string): string {
  const names = [ipVersion(serverName) ? `IP:${serverName}` : `DNS:${serverName}`];
  if (ipVersion(address) && address !== serverName) names.push(`IP:${address}`);
  return names.join(',');
}

/**
 * Makes a self-signed X.509 certificate (SHA-256, 10 years by default) with openssl.
 * openssl reads the key from a file: argv would show it in `ps`, and keeping it off every
 * pipe means no error path can echo it. The file lives in a fresh 0700 directory, is 0600
 * itself, and is removed whatever happens.
 */
export function makeSelfSignedCertificate(req: CertificateRequest): string {
  if (!/^[A-Za-z0-9.:-]+$/.test(req.serverName)) throw new Error(`server name "${req.serverName}" cannot go into a certificate`);
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-cert-')); // mode 0700
  const keyFile = join(dir, 'key.pem');
  try {
    writeFileSync(keyFile, req.privateKeyPem, { mode: 0o600 });
    const pem = execFileSync('openssl', [
      'req', '-x509', '-new', '-key', keyFile, '-sha256',
      '-days', String(req.days ?? 3650),
      '-subj', `/CN=${req.serverName}`,
      '-addext', `subjectAltName=${subjectAltNames(req.serverName, req.address)}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth',
    ], { env: childEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (!pem.startsWith('-----BEGIN CERTIFICATE-----')) throw new Error('openssl printed no certificate');
    return pem;
  } catch (e) {
    // Only openssl's own first line: it names the problem and never contains the key.
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').split('\n')[0];
    throw new Error(`openssl could not make the certificate${stderr ? `: ${stderr}` : `: ${(e as Error).message.split('\n')[0]}`}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether the certificate covers the name clients send as SNI (and verify against). */
export function certificateCoversName(certPem: string, serverName: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return ipVersion(serverName) ? cert.checkIP(serverName) !== undefined : cert.checkHost(serverName) !== undefined;
  } catch {
    return false;
  }
}

/** Whether the text parses as an X.509 certificate at all. */
export function isReadable(certPem: string): boolean {
  try { new X509Certificate(certPem); return true; } catch { return false; }
}
