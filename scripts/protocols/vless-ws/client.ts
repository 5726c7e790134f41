// VLESS request (version 0): version, 16-byte UUID, addons length 0, command 1 (TCP),
// port (big-endian), address type (1 IPv4, 2 domain, 3 IPv6), address; then payload. The
// response starts with version 0 and an addons block, then raw payload.
import { addressParts, BadResponse, ByteQueue, headerFirst, portBytes, type Codec } from '../kit/codec.ts';

const ATYP = { ipv4: 1, domain: 2, ipv6: 3 } as const;

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error('not a UUID');
  return Buffer.from(hex, 'hex');
}

export function vlessHeader(uuid: string, host: string, port: number): Buffer {
  const addr = addressParts(host);
  return Buffer.concat([Buffer.from([0]), uuidBytes(uuid), Buffer.from([0, 1]), portBytes(port), Buffer.from([ATYP[addr.kind]]), addr.bytes]);
}

export function vlessCodec(uuid: string, host: string, port: number): Codec {
  let responseSeen = false;
  const q = new ByteQueue();
  return {
    encode: headerFirst(vlessHeader(uuid, host, port)),
    decode(data) {
      if (responseSeen) return { data: [data] };
      q.push(data);
      const head = q.peek(2);
      if (!head) return { data: [] };
      if (head[0] !== 0) throw new BadResponse(`VLESS response version ${head[0]}, expected 0`);
      if (!q.take(2 + head[1]!)) return { data: [] };
      responseSeen = true;
      return { data: [q.rest()] };
    },
  };
}
