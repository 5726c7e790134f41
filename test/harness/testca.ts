// A throwaway certificate authority for tests: one root, leaf certificates for names and
// addresses, made with openssl into a directory of the caller's. Clients trust the root
// through SSL_CERT_FILE (Go's TLS, so sing-box and mihomo, read it on Linux).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  /** The root certificate (PEM file path). */
  rootPath: string;
  rootPem: string;
  /** Issues a leaf for these names/addresses; returns its PEM certificate and key. */
  issue(names: string[]): { certPem: string; keyPem: string };
}

const openssl = (args: string[], cwd: string): void => void execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });

export function makeTestCa(dir: string, name = 'boxfleet test root'): TestCa {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'root.key', '-out', 'root.pem',
    '-days', '3', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 0;
  return {
    dir,
    rootPath: join(dir, 'root.pem'),
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    issue(names) {
      const n = ++serial;
      const san = names.map((x) => (isIP(x) ? `IP:${x}` : `DNS:${x}`)).join(',');
      writeFileSync(join(dir, `leaf${n}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', `/CN=${names[0]}`], dir);
      openssl(['x509', '-req', '-in', `leaf${n}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '2', '-extfile', `leaf${n}.ext`, '-out', `leaf${n}.pem`], dir);
      return { certPem: readFileSync(join(dir, `leaf${n}.pem`), 'utf8'), keyPem: readFileSync(join(dir, `leaf${n}.key`), 'utf8') };
    },
  };
}
