// A proxy protocol's client as a pair of functions over a byte stream (see probe/stream.ts,
// which stacks them): what each protocol folder's `client.ts` is written against, plus the
// byte helpers the SOCKS-style request headers share.

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

/** The server's bytes are not what the protocol allows: the probe reports `bad-response`. */
export class BadResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadResponse';
  }
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
