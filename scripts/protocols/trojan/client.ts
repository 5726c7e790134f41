// Trojan client request (trojan-gfw protocol): hex(SHA-224(password)) CRLF, then a SOCKS5-
// like request (CMD 1 = CONNECT, ATYP 1/3/4, address, port) CRLF, then payload. The server
// answers with raw payload only; a wrong password gets the fallback site or silence.
import { createHash } from 'node:crypto';
import { addressParts, headerFirst, portBytes, type Codec } from '../kit/codec.ts';

const ATYP = { ipv4: 1, domain: 3, ipv6: 4 } as const;

export function trojanHeader(password: string, host: string, port: number): Buffer {
  const hash = createHash('sha224').update(password, 'utf8').digest('hex');
  const addr = addressParts(host);
  return Buffer.concat([
    Buffer.from(hash + '\r\n', 'ascii'),
    Buffer.from([1, ATYP[addr.kind]]), addr.bytes, portBytes(port),
    Buffer.from('\r\n', 'ascii'),
  ]);
}

export function trojanCodec(password: string, host: string, port: number): Codec {
  return {
    encode: headerFirst(trojanHeader(password, host, port)),
    decode: (data) => ({ data: [data] }),
  };
}
