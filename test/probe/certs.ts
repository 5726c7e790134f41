// Test certificates made with openssl: a test CA, a good server certificate, one that
// expired (openssl ca -startdate/-enddate; OpenSSL 3.0's x509 has no -not_after), one for
// the wrong name, and a self-signed one to pin in a node's YAML.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pair { cert: string; key: string }
export interface TestCerts { ca: string; good: Pair; expired: Pair; wrongName: Pair; selfSigned: Pair }

const ossl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
};

export function makeCerts(dir: string, name: string): TestCerts {
  mkdirSync(join(dir, 'ca', 'new'), { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=boxfleet test CA']);
  writeFileSync(join(dir, 'ca', 'index.txt'), '');
  writeFileSync(join(dir, 'ca', 'serial'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${join(dir, 'ca')}`, 'database = $dir/index.txt', 'new_certs_dir = $dir/new',
    'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'copy_extensions = copy', 'unique_subject = no', 'default_days = 10',
    '[any]', 'commonName = supplied',
  ].join('\n') + '\n');
  const issue = (file: string, cn: string, dates: string[]): Pair => {
    ossl(dir, ['req', ...ec, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`]);
    ossl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${file}.csr`, '-out', `${file}.pem`, '-notext', ...dates]);
    return { cert: readFileSync(join(dir, `${file}.pem`), 'utf8'), key: readFileSync(join(dir, `${file}.key`), 'utf8') };
  };
  const good = issue('good', name, []);
  const expired = issue('expired', name, ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
  const wrongName = issue('wrong', 'other.test', []);
  ossl(dir, ['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '10', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`]);
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), good, expired, wrongName,
    selfSigned: { cert: readFileSync(join(dir, 'self.pem'), 'utf8'), key: readFileSync(join(dir, 'self.key'), 'utf8') },
  };
}
