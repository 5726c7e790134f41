// Benchmark (not a test): 300 Trojan-shaped endpoints on harness hosts, one host black-holed;
// prints the probe's wall time as a multiple of one probe timeout (goal ≤ 1.5×).
// Run: npx tsx bench/probe.ts   (root; uses only the harness's own namespaces)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHosts, waitForPort } from '../test/harness/index.ts';
import { makeCerts } from '../test/probe/certs.ts';
import { probeAll } from '../scripts/probe/scheduler.ts';
import type { ProbeTarget } from '../scripts/probe/types.ts';

const TIMEOUT_MS = 2000;
const PER_HOST = 75;
const BASE = 20000;
// One small process per host: a TLS listener on many ports answering any request with HTTP 200.
const SERVER = `import { createServer } from 'node:tls'; import { readFileSync } from 'node:fs';
const o = { cert: readFileSync('/etc/boxfleet-bench/c.pem'), key: readFileSync('/etc/boxfleet-bench/c.key') };
for (let p = ${BASE}; p < ${BASE + PER_HOST}; p++) createServer(o, (s) => { s.once('data', () => s.end('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok')); s.on('error', () => {}); }).listen(p, '0.0.0.0');`;

const hosts = await startHosts(4, { names: ['b1', 'b2', 'b3', 'dark'] });
const dir = mkdtempSync(join(tmpdir(), 'boxfleet-bench-'));
try {
  const certs = makeCerts(dir, 'bench.test');
  for (const h of hosts.hosts.slice(0, 3)) {
    for (const [path, text] of [['/etc/boxfleet-bench/c.pem', certs.selfSigned.cert], ['/etc/boxfleet-bench/c.key', certs.selfSigned.key], ['/etc/boxfleet-bench/server.mjs', SERVER]] as const) {
      await h.exec(['sh', '-c', `mkdir -p /etc/boxfleet-bench && cat > ${path}`], { input: text, check: true });
    }
    await h.spawnServer(['/usr/bin/node', '/etc/boxfleet-bench/server.mjs']);
    if (!(await waitForPort(h.ip, BASE + PER_HOST - 1, 15_000))) throw new Error(`bench server on ${h.name} did not start`);
  }
  await hosts.host('dark').blackhole();
  const targets: ProbeTarget[] = hosts.hosts.flatMap((h) => Array.from({ length: PER_HOST }, (_, i) => ({
    node: h.name, region: 'bench', maintenance: false, tag: `trojan-${BASE + i}`, type: 'trojan' as const, server: h.ip, port: BASE + i,
    password: 'bench', tls: { server_name: 'bench.test', certificate: certs.selfSigned.cert },
  })));
  const t0 = performance.now();
  const results = await probeAll(targets, { url: new URL(`http://${hosts.bridgeIp}:9/bench`), timeoutMs: TIMEOUT_MS, now: new Date() }, 32);
  const wall = performance.now() - t0;
  const count = (f: (r: typeof results[number]) => boolean): number => results.filter(f).length;
  console.log(`endpoints: ${results.length} (${PER_HOST} per host, 4 hosts, 1 black-holed), concurrency 32, timeout ${TIMEOUT_MS} ms`);
  console.log(`reached proxy layer: ${count((r) => r.deepest === 'proxy')}, timeout: ${count((r) => r.error === 'timeout')}, other: ${count((r) => r.deepest !== 'proxy' && r.error !== 'timeout')}`);
  console.log(`wall time: ${Math.round(wall)} ms = ${(wall / TIMEOUT_MS).toFixed(2)} × timeout (goal ≤ 1.5×)`);
} finally {
  await hosts.stop();
  rmSync(dir, { recursive: true, force: true });
}
