// A proxy protocol as a pair of functions over a byte stream: encode what the client
// writes, decode what the server sends. Stacking codecs (TLS socket → WebSocket → VMess)
// gives a Duplex that the HTTP fetch (or a TLS session for an https probe URL) runs over.
import { Duplex } from 'node:stream';

export interface Codec {
  /** Bytes to send for one client write (the first call may prepend a request header). */
  encode(chunk: Buffer): Buffer;
  /** Feeds received bytes; returns plaintext pieces and whether the stream ended. Throws on garbage. */
  decode(data: Buffer): { data: Buffer[]; end?: boolean };
  /** Bytes to send when the client ends its side (e.g. an empty chunk, a close frame). */
  finish?(): Buffer | undefined;
}

/**
 * An encoder that sends `header` in front of the first payload and passes later chunks
 * through: trojan-gfw and v2ray read the request header and the first data in one packet.
 */
export function headerFirst(header: Buffer): (chunk: Buffer) => Buffer {
  let pending: Buffer | undefined = header;
  return (chunk) => {
    if (!pending) return chunk;
    const first = Buffer.concat([pending, chunk]);
    pending = undefined;
    return first;
  };
}

export function codecDuplex(transport: Duplex, codec: Codec): Duplex {
  let ended = false;
  const out = new Duplex({
    read() { transport.resume(); },
    write(chunk: Buffer, _enc, cb) {
      try { transport.write(codec.encode(chunk), cb); } catch (e) { cb(e as Error); }
    },
    final(cb) {
      const tail = codec.finish?.();
      if (tail && tail.length) transport.write(tail);
      cb();
    },
    destroy(err, cb) {
      transport.destroy();
      cb(err);
    },
  });
  const finishRead = (): void => {
    if (!ended) { ended = true; out.push(null); }
  };
  transport.on('data', (d: Buffer) => {
    if (ended) return;
    try {
      const r = codec.decode(d);
      for (const piece of r.data) if (piece.length && !out.push(piece)) transport.pause();
      if (r.end) finishRead();
    } catch (e) {
      out.destroy(e as Error);
    }
  });
  transport.on('end', finishRead);
  transport.on('close', finishRead);
  transport.on('error', (e) => out.destroy(e));
  return out;
}

/** Accumulates bytes until a parser can take a complete unit from the front. */
export class ByteQueue {
  #buf: Buffer = Buffer.alloc(0);
  push(d: Buffer): void { this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d; }
  get length(): number { return this.#buf.length; }
  peek(n: number): Buffer | undefined { return this.#buf.length >= n ? this.#buf.subarray(0, n) : undefined; }
  take(n: number): Buffer | undefined {
    if (this.#buf.length < n) return undefined;
    const head = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return head;
  }
  rest(): Buffer { const r = this.#buf; this.#buf = Buffer.alloc(0); return r; }
}

/** Address as the SOCKS-style protocols encode it; each protocol maps the type byte. */
export function addressParts(host: string): { kind: 'ipv4' | 'ipv6' | 'domain'; bytes: Buffer } {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return { kind: 'ipv4', bytes: Buffer.from(host.split('.').map(Number)) };
  if (host.includes(':')) return { kind: 'ipv6', bytes: ipv6Bytes(host.replace(/^\[|\]$/g, '')) };
  const name = Buffer.from(host, 'utf8');
  if (name.length > 255) throw new Error('host name longer than 255 bytes');
  return { kind: 'domain', bytes: Buffer.concat([Buffer.from([name.length]), name]) };
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

export function portBytes(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(port);
  return b;
}
