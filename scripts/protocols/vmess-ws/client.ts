// VMess client stream (alterId 0, AEAD header). Options chosen: ChunkStream only — no chunk
// masking, no global padding, no authenticated length — which every VMess server accepts
// and keeps this small; body security AES-128-GCM.
import { createHash, randomBytes } from 'node:crypto';
import { addressParts, BadResponse, ByteQueue, portBytes, type Codec } from '../kit/codec.ts';
import { uuidBytes } from '../vless-ws/client.ts';
import { cmdKey, fnv1a32, gcmOpen, gcmSeal, kdf, kdf16, sealHeader } from './aead.ts';

const ATYP = { ipv4: 1, domain: 2, ipv6: 3 } as const;
const OPTION_CHUNK_STREAM = 0x01;
const SECURITY_AES_128_GCM = 3;
const COMMAND_TCP = 1;
const MAX_CHUNK = 16 * 1024;

function chunkNonce(iv: Buffer, count: number): Buffer {
  const n = Buffer.from(iv.subarray(0, 12));
  n.writeUInt16BE(count & 0xffff, 0);
  return n;
}

export function vmessCodec(uuid: string, host: string, port: number, now: () => number = () => Date.now()): Codec {
  const key = cmdKey(uuidBytes(uuid));
  const reqKey = randomBytes(16);
  const reqIv = randomBytes(16);
  const respV = randomBytes(1)[0]!;
  // AEAD mode derives the response key and IV with SHA-256 (legacy used MD5).
  const respKey = createHash('sha256').update(reqKey).digest().subarray(0, 16);
  const respIv = createHash('sha256').update(reqIv).digest().subarray(0, 16);
  const addr = addressParts(host);
  const body = Buffer.concat([
    Buffer.from([1]), reqIv, reqKey, Buffer.from([respV, OPTION_CHUNK_STREAM, SECURITY_AES_128_GCM, 0, COMMAND_TCP]),
    portBytes(port), Buffer.from([ATYP[addr.kind]]), addr.bytes,
  ]);
  const check = Buffer.alloc(4);
  check.writeUInt32BE(fnv1a32(body));
  let header: Buffer | undefined = sealHeader(key, Buffer.concat([body, check]), Math.floor(now() / 1000));
  let sendCount = 0;
  let recvCount = 0;
  let respHeaderLen: number | undefined;
  let respHeaderDone = false;
  const q = new ByteQueue();

  const sealChunk = (plain: Buffer): Buffer => {
    const sealed = gcmSeal(reqKey, chunkNonce(reqIv, sendCount++), plain);
    return Buffer.concat([portBytes(sealed.length), sealed]);
  };
  const open = (sealed: Buffer, what: string, fn: () => Buffer): Buffer => {
    try { return fn(); } catch { throw new BadResponse(`VMess ${what} failed authentication (${sealed.length} bytes)`); }
  };

  return {
    encode(chunk) {
      const parts: Buffer[] = header ? [header] : [];
      header = undefined;
      for (let off = 0; off < chunk.length; off += MAX_CHUNK) parts.push(sealChunk(chunk.subarray(off, off + MAX_CHUNK)));
      return Buffer.concat(parts);
    },
    decode(data) {
      q.push(data);
      const out: Buffer[] = [];
      if (respHeaderLen === undefined) {
        const l = q.take(18);
        if (!l) return { data: out };
        const plain = open(l, 'response header length', () => gcmOpen(kdf16(respKey, 'AEAD Resp Header Len Key'), kdf(respIv, 'AEAD Resp Header Len IV').subarray(0, 12), l));
        respHeaderLen = plain.readUInt16BE(0);
      }
      if (!respHeaderDone) {
        const h = q.take(respHeaderLen + 16);
        if (!h) return { data: out };
        const plain = open(h, 'response header', () => gcmOpen(kdf16(respKey, 'AEAD Resp Header Key'), kdf(respIv, 'AEAD Resp Header IV').subarray(0, 12), h));
        if (plain[0] !== respV) throw new BadResponse('VMess response header does not echo the request');
        respHeaderDone = true;
      }
      for (let i = 0; i < 100_000; i++) {
        const lb = q.peek(2);
        if (!lb) break;
        const size = lb.readUInt16BE(0);
        if (q.length < 2 + size) break;
        q.take(2);
        const sealed = q.take(size)!;
        // A chunk holding only the tag is the end of the stream.
        if (size === 16) return { data: out, end: true };
        out.push(open(sealed, 'body chunk', () => gcmOpen(respKey, chunkNonce(respIv, recvCount++), sealed)));
      }
      return { data: out };
    },
    finish: () => sealChunk(Buffer.alloc(0)),
  };
}
