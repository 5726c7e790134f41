// An ACME CA on a test host: Pebble (Let's Encrypt's test CA) with pebble-challtestsrv as
// the DNS it validates through, answering every A query with one address (the node's).
// A node that trusts Pebble's own HTTPS (its minica root, like a public CA) and finds it
// by the name `pebble` gets certificates from sing-box's ACME client with
// `acme.provider: https://pebble:14000/dir`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { challtestsrvBin, pebbleBin, pebbleDir, pebbleMinicaRoot } from '../tools/index.ts';
import type { TestHost } from './host.ts';

export const PEBBLE_DIRECTORY = 'https://pebble:14000/dir';

export interface Pebble {
  /** The root that signs what Pebble issues (PEM), from its management API. */
  root: string;
}

/** Starts Pebble on `ca`, validating names at `answerIp` (the node that asks). */
export async function startPebble(ca: TestHost, answerIp: string): Promise<Pebble> {
  await ca.put('/usr/local/bin/pebble', readFileSync(pebbleBin()), '0755');
  await ca.put('/usr/local/bin/pebble-challtestsrv', readFileSync(challtestsrvBin()), '0755');
  await ca.put('/root/pebble/cert.pem', readFileSync(join(pebbleDir(), 'localhost/cert.pem')));
  await ca.put('/root/pebble/key.pem', readFileSync(join(pebbleDir(), 'localhost/key.pem')), '0600');
  await ca.put('/root/pebble/minica.pem', readFileSync(pebbleMinicaRoot()));
  await ca.put('/root/pebble/config.json', JSON.stringify({
    pebble: {
      listenAddress: `${ca.ip}:14000`, managementListenAddress: `${ca.ip}:15000`,
      certificate: '/root/pebble/cert.pem', privateKey: '/root/pebble/key.pem',
      httpPort: 80, tlsPort: 443, ocspResponderURL: '', externalAccountBindingRequired: false,
      keyAlgorithm: 'ecdsa', profiles: { default: { description: 'default', validityPeriod: 7776000 } },
    },
  }));
  await ca.spawnServer(['/usr/local/bin/pebble-challtestsrv', '-defaultIPv4', answerIp, '-defaultIPv6', '', '-dnsserver', `${ca.ip}:8053`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-doh', '', '-management', `${ca.ip}:8055`]);
  await ca.spawnServer(['/usr/local/bin/pebble', '-config', '/root/pebble/config.json', '-dnsserver', `${ca.ip}:8053`],
    { env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' } });
  await ca.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q "${ca.ip}:15000 " && exit 0; sleep 0.05; done; exit 1`], { check: true });
  const res = await ca.exec(['curl', '-sS', '--cacert', '/root/pebble/minica.pem', '--resolve', `pebble:15000:${ca.ip}`, 'https://pebble:15000/roots/0'], { check: true });
  if (!res.stdout.includes('BEGIN CERTIFICATE')) throw new Error(`boxfleet harness: Pebble gave no root: ${res.stdout.slice(0, 200)}`);
  return { root: res.stdout };
}

/** Makes `node` trust Pebble's HTTPS and find it by name, with a default route for its ACME client. */
export async function trustPebble(node: TestHost, ca: TestHost): Promise<void> {
  await node.exec(['sh', '-c', `echo "${ca.ip} pebble" >> /etc/hosts && cat >> /etc/ssl/certs/ca-certificates.crt`], { input: readFileSync(pebbleMinicaRoot()), check: true });
  await node.addRoute('default');
}
