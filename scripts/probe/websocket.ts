// A minimal WebSocket client (RFC 6455) over an established TLS socket: the HTTP/1.1
// upgrade, masked binary frames out, unmasked frames in. Enough for v2ray/sing-box's ws
// transport, which carries the proxy stream as binary messages.
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ByteQueue, type Codec } from '../protocols/kit/codec.ts';
import { ProbeFailure } from './types.ts';

const MAX_HEAD = 16 * 1024;

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer to `key`: base64(SHA-1(key ‖ GUID)). */
export function wsAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID, 'latin1').digest('base64');
}

/** Performs the upgrade; resolves with bytes that arrived after the response head. */
export function wsUpgrade(sock: Duplex, path: string, host: string, timeoutMs: number): Promise<Buffer> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (e?: Error, rest?: Buffer): void => {
      clearTimeout(timer);
      sock.off('data', onData); sock.off('end', onEnd); sock.off('error', onEnd);
      if (e) reject(e); else { sock.pause(); resolve(rest!); }
    };
    const timer = setTimeout(() => done(new ProbeFailure('auth-rejected-or-silent', `no WebSocket upgrade answer within ${timeoutMs} ms`)), timeoutMs);
    const onEnd = (): void => done(new ProbeFailure(buf.length ? 'bad-response' : 'auth-rejected-or-silent', 'connection closed during the WebSocket upgrade'));
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) done(new ProbeFailure('bad-response', 'WebSocket upgrade answer too long'));
        return;
      }
      const head = buf.subarray(0, end).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!status) return done(new ProbeFailure('bad-response', 'WebSocket upgrade answer is not HTTP'));
      if (status[1] !== '101') return done(new ProbeFailure('bad-response', `WebSocket upgrade refused with HTTP ${status[1]} (wrong path?)`));
      // RFC 6455 4.2.2: the server proves it read this handshake by hashing our key.
      const accept = /\r\nsec-websocket-accept:[ \t]*([^\r\n]*?)[ \t]*(\r\n|$)/i.exec(head);
      if (!accept) return done(new ProbeFailure('bad-response', 'WebSocket upgrade without Sec-WebSocket-Accept'));
      if (accept[1] !== wsAccept(key)) return done(new ProbeFailure('bad-response', 'WebSocket upgrade with a wrong Sec-WebSocket-Accept (not a WebSocket server?)'));
      done(undefined, buf.subarray(end + 4));
    };
    sock.on('data', onData); sock.once('end', onEnd); sock.once('error', onEnd);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: boxfleet-probe\r\n\r\n`);
  });
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLen(len)]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Frames client writes as binary messages; unwraps server frames (answers pings). */
export function wsCodec(onControl: (bytes: Buffer) => void): Codec {
  const q = new ByteQueue();
  return {
    encode: (chunk) => frame(0x2, chunk),
    decode(data) {
      q.push(data);
      const out: Buffer[] = [];
      for (let i = 0; i < 100_000; i++) {
        const h = q.peek(2);
        if (!h) break;
        const masked = (h[1]! & 0x80) !== 0;
        let len = h[1]! & 0x7f;
        let off = 2;
        if (len === 126) { const e = q.peek(4); if (!e) break; len = e.readUInt16BE(2); off = 4; }
        else if (len === 127) { const e = q.peek(10); if (!e) break; len = Number(e.readBigUInt64BE(2)); off = 10; }
        const total = off + (masked ? 4 : 0) + len;
        const f = q.take(total);
        if (!f) break;
        let payload = Buffer.from(f.subarray(total - len));
        if (masked) { const m = f.subarray(off, off + 4); for (let j = 0; j < payload.length; j++) payload[j]! ^= m[j & 3]!; }
        const opcode = h[0]! & 0x0f;
        if (opcode === 0x8) return { data: out, end: true };
        if (opcode === 0x9) { onControl(frame(0xa, payload)); continue; }
        if (opcode === 0xa) continue;
        out.push(payload);
        payload = Buffer.alloc(0);
      }
      return { data: out };
    },
    finish: () => frame(0x8, Buffer.from([0x03, 0xe8])),
  };
}
