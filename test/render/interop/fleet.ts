// A throwaway fleet for interop tests: the demo's fleet.yaml with one loopback node on
// free ports, so no demo address is ever dialled. The node is self-signed; its
// certificate is made with openssl from the key the test secret derives for it, exactly
// what `fleet node cert` commits, so the server and the client pin use the real material.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { CredentialStore } from '../../../scripts/secrets/index.ts';
import { ROOT, TEST_SECRET } from '../client/fixture.ts';
import { freePort } from '../../harness/tcp.ts';

export const NODE = 'local-1';
export const SNI = 'proxy.test';

export { freePort };

export interface InteropPorts { trojan: number; vlessWs: number; vmessWs: number }

/** Writes fleet.yaml, nodes/local-1.yaml and users/*.yaml under `dir`; returns the TLS files the server uses. */
export function writeTestFleet(dir: string, ports: InteropPorts, users: Record<string, Record<string, unknown>>): { keyFile: string; certFile: string } {
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'users'), { recursive: true });
  const settings = YAML.parse(readFileSync(join(ROOT, 'fleet.yaml'), 'utf8'));
  settings.deploy.canary = NODE;
  settings.regions = { ...settings.regions, test: { title: { en: 'Test hosts', 'zh-CN': '测试主机' } } };
  writeFileSync(join(dir, 'fleet.yaml'), YAML.stringify(settings));
  const store = new CredentialStore(TEST_SECRET, settings.epoch);
  const keyFile = join(dir, 'node.key');
  const certFile = join(dir, 'node.crt');
  writeFileSync(keyFile, store.node(NODE, 1).selfSignedKey.privateKeyPem, { mode: 0o600 });
  execFileSync('openssl', ['req', '-x509', '-key', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${SNI}`,
    '-addext', `subjectAltName=DNS:${SNI},IP:127.0.0.1`], { stdio: 'pipe', timeout: 10_000 });
  const demoNode = YAML.parse(readFileSync(join(ROOT, 'nodes', 'frankfurt-1.yaml'), 'utf8'));
  const node = {
    name: NODE, title: 'Local 1', region: 'test', country: 'DE', labels: [], rev: 1, arch: 'amd64',
    address: '127.0.0.1', ssh: demoNode.ssh,
    tls: { mode: 'self-signed', server_name: SNI, certificate: readFileSync(certFile, 'utf8') },
    inbounds: [
      { type: 'trojan', port: ports.trojan },
      { type: 'vless-ws', port: ports.vlessWs, path: '/vl' },
      { type: 'vmess-ws', port: ports.vmessWs, path: '/vm' },
    ],
  };
  writeFileSync(join(dir, 'nodes', `${NODE}.yaml`), YAML.stringify(node));
  for (const [name, body] of Object.entries(users)) writeFileSync(join(dir, 'users', `${name}.yaml`), YAML.stringify({ name, ...body }));
  return { keyFile, certFile };
}
