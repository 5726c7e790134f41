// A test censor that blocks one TLS server name (#17): on a router host, nftables redirects
// the forwarded connections to a target's ports to a small relay on the router itself,
// which reads the first TLS record, and resets the connection when the ClientHello's SNI is
// the blocked name; anything else is relayed to the port it was headed for, byte for byte.
// That is what a DPI box does to a server name, and what Reality's borrowed names or a
// standby's other name get past. Loopback and the run's namespaces only, like every host.
import type { TestHost } from './host.ts';

const RELAY = String.raw`
const net = require('node:net');
const [target, blocked, ...pairs] = process.argv.slice(2);
// The server name of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3), or '' when there is none.
function sni(b) {
  try {
    if (b[0] !== 0x16 || b[5] !== 0x01) return '';
    let p = 9 + 2 + 32;                    // record + handshake headers, version, random
    p += 1 + b[p];                         // session id
    p += 2 + b.readUInt16BE(p);            // cipher suites
    p += 1 + b[p];                         // compression methods
    const end = p + 2 + b.readUInt16BE(p);
    for (p += 2; p + 4 <= end;) {
      const type = b.readUInt16BE(p), len = b.readUInt16BE(p + 2);
      if (type === 0) return b.subarray(p + 9, p + 9 + b.readUInt16BE(p + 7)).toString('latin1');
      p += 4 + len;
    }
  } catch {}
  return '';
}
for (const pair of pairs) {
  const [listen, port] = pair.split(':').map(Number);
  net.createServer((c) => {
    let head = Buffer.alloc(0);
    c.on('error', () => {});
    const first = (d) => {
      head = Buffer.concat([head, d]);
      if (head.length < 5 || head.length < 5 + head.readUInt16BE(3)) { if (head.length < 16384) return; }
      c.off('data', first);
      const name = sni(head);
      if (name === blocked) { console.log('reset ' + name + ' to port ' + port); c.resetAndDestroy(); return; }
      const up = net.connect(port, target, () => { up.write(head); c.pipe(up); up.pipe(c); });
      up.on('error', () => c.destroy());
      c.on('close', () => up.destroy());
    };
    c.on('data', first);
  }).listen(listen, '0.0.0.0');
}
console.log('listening');
`;

export interface SniCensor { stop(): Promise<void> }

/** Resets TLS connections through `router` to target:ports whose ClientHello names `blocked`. */
export async function startSniCensor(router: TestHost, opts: { target: string; ports: number[]; blocked: string }): Promise<SniCensor> {
  await router.exec(['sh', '-c', 'mkdir -p /root/sni-censor && cat > /root/sni-censor/relay.cjs'], { input: RELAY, check: true });
  const pairs = opts.ports.map((p) => `${p + 10_000}:${p}`);
  const pid = await router.spawnServer([process.execPath, '/root/sni-censor/relay.cjs', opts.target, opts.blocked, ...pairs]);
  const ready = await router.exec(['sh', '-c', `for i in $(seq 200); do ss -Hltn | grep -q ":${opts.ports[0]! + 10_000} " && exit 0; sleep 0.05; done; exit 1`]);
  if (ready.code !== 0) throw new Error('the SNI censor\'s relay did not start');
  const rules = opts.ports.map((p) => `    ip daddr ${opts.target} tcp dport ${p} redirect to :${p + 10_000}`).join('\n');
  await router.exec(['nft', '-f', '-'], { check: true, input: `table ip sni_censor {\n  chain pre {\n    type nat hook prerouting priority -100;\n${rules}\n  }\n}\n` });
  return {
    stop: async () => {
      await router.exec(['nft', 'delete', 'table', 'ip', 'sni_censor']);
      await router.exec(['kill', String(pid)]);
    },
  };
}
