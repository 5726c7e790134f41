// A test's reader of the stats build's counters: one gRPC call, QueryStats, to the V2Ray
// API on the node's loopback, made inside the node's namespace by Node's own HTTP/2 client
// (gRPC is HTTP/2 with a 5-byte frame around each protobuf message; the two messages are
// small enough to encode by hand). The service name is the one sing-box registers.
import type { TestHost } from '../harness/index.ts';

const SCRIPT = String.raw`
import http2 from 'node:http2';
const [listen, reset] = process.argv.slice(1);
const msg = reset === 'reset' ? Buffer.from([0x10, 0x01]) : Buffer.alloc(0); // field 2 (reset) = true
const head = Buffer.alloc(5); head.writeUInt32BE(msg.length, 1);
const client = http2.connect('http://' + listen);
client.on('error', (e) => { console.error(e.message); process.exit(3); });
const req = client.request({ ':method': 'POST', ':path': '/v2ray.core.app.stats.command.StatsService/QueryStats', 'content-type': 'application/grpc', te: 'trailers' });
const parts = [];
let status = '';
req.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
req.on('trailers', (t) => { status = String(t['grpc-status']); });
req.on('data', (d) => parts.push(d));
req.on('end', () => { client.close(); console.log(JSON.stringify({ status, body: Buffer.concat(parts).toString('base64') })); });
req.end(Buffer.concat([head, msg]));
`;

export interface Counter { name: string; value: number }

/** Every counter of the node's stats service (and resets them, with `reset`). */
export async function queryStats(node: TestHost, listen = '127.0.0.1:9091', reset = false): Promise<Counter[]> {
  const r = await node.exec([process.execPath, '--input-type=module', '-e', SCRIPT, listen, reset ? 'reset' : 'keep'], { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`QueryStats failed: ${r.stderr.trim()}`);
  const { status, body } = JSON.parse(r.stdout) as { status: string; body: string };
  if (status !== '0') throw new Error(`QueryStats answered grpc-status ${status}`);
  const frame = Buffer.from(body, 'base64');
  return decodeResponse(frame.subarray(5, 5 + frame.readUInt32BE(1)));
}

/** user>>>NAME>>>traffic>>>uplink|downlink → { NAME: { up, down } }. */
export function byUser(counters: Counter[]): Record<string, { up: number; down: number }> {
  const out: Record<string, { up: number; down: number }> = {};
  for (const c of counters) {
    const m = /^user>>>(.+)>>>traffic>>>(uplink|downlink)$/.exec(c.name);
    if (!m) continue;
    const u = (out[m[1]!] ??= { up: 0, down: 0 });
    if (m[2] === 'uplink') u.up += c.value; else u.down += c.value;
  }
  return out;
}

// QueryStatsResponse { repeated Stat stat = 1 }, Stat { string name = 1; int64 value = 2 }.
function decodeResponse(buf: Buffer): Counter[] {
  const out: Counter[] = [];
  for (const [field, , bytes] of fields(buf)) {
    if (field !== 1 || !bytes) continue;
    const c: Counter = { name: '', value: 0 };
    for (const [f, v, b] of fields(bytes)) {
      if (f === 1 && b) c.name = b.toString('utf8');
      if (f === 2) c.value = Number(v);
    }
    out.push(c);
  }
  return out;
}

/** Protobuf fields: [number, varint value, length-delimited bytes]. */
function* fields(buf: Buffer): Generator<[number, bigint, Buffer | undefined]> {
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) yield [key >> 3, varint(), undefined];
    else if (wire === 2) { const n = Number(varint()); yield [key >> 3, 0n, buf.subarray(i, i + n)]; i += n; }
    else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
}
