// Layer 3's last step: GET the probe URL over an already-open proxy stream and read one
// HTTP/1.1 response (Content-Length, chunked, or until close). Silence and garbage are told
// apart, because that is what separates "wrong credentials" from "something else answered".
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ProbeFailure } from './types.ts';

export interface HttpResult { status: number; body: Buffer }
const MAX_BODY = 1024 * 1024;

export function probeRequest(url: URL): string {
  const path = (url.pathname || '/') + url.search;
  return `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: boxfleet-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
}

/** For an https probe URL, a TLS session to the target runs inside the tunnel. */
export async function fetchOver(stream: Duplex, url: URL, timeoutMs: number, extraCa?: string): Promise<HttpResult> {
  if (url.protocol !== 'https:') return readResponse(stream, url, timeoutMs);
  const inner = tlsConnect({ socket: stream, servername: url.hostname, ca: extraCa ? [extraCa] : undefined });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProbeFailure('auth-rejected-or-silent', `no TLS answer from ${url.hostname} through the proxy within ${timeoutMs} ms`)), timeoutMs);
    inner.once('secureConnect', () => { clearTimeout(timer); resolve(); });
    inner.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // The tunnel ended before the handshake did: closed, as far as the probe can tell,
      // without an answer (a ServerHello that came back was not handed on).
      reject(e instanceof ProbeFailure ? e : new ProbeFailure('auth-rejected-or-silent', `TLS to ${url.hostname} through the proxy failed (${e.message})`, endedEarly(e)));
    });
  });
  return readResponse(inner, url, timeoutMs);
}

function readResponse(stream: Duplex, url: URL, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (e?: Error, r?: HttpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.destroy();
      if (e) reject(e); else resolve(r!);
    };
    const silent = (why: string, closed = false): ProbeFailure => buf.length === 0
      ? new ProbeFailure('auth-rejected-or-silent', why, closed)
      : new ProbeFailure('bad-response', `incomplete HTTP response (${buf.length} bytes)`);
    const timer = setTimeout(() => finish(silent(`no answer through the proxy within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_BODY) return finish(new ProbeFailure('bad-response', 'response larger than 1 MiB'));
      try {
        const r = parse(buf, false);
        if (r) finish(undefined, r);
      } catch (e) { finish(e as Error); }
    };
    stream.on('data', onData);
    stream.once('end', () => {
      try {
        const r = buf.length ? parse(buf, true) : undefined;
        finish(r ? undefined : silent('the proxy closed the connection without an answer', true), r);
      } catch (e) { finish(e as Error); }
    });
    stream.once('error', (e: NodeJS.ErrnoException) => finish(e instanceof ProbeFailure ? e : silent(`stream error (${e.message})`, endedEarly(e))));
    stream.write(probeRequest(url));
  });
}

/** A stream that was closed or reset under us (not a timeout, not a bad certificate). */
const endedEarly = (e: NodeJS.ErrnoException): boolean => e.code === 'ECONNRESET' || e.code === 'EPIPE' || /socket disconnected/i.test(e.message);

/** A complete response, undefined when more bytes are needed; throws on non-HTTP. */
export function parse(buf: Buffer, atEof: boolean): HttpResult | undefined {
  if (buf.length >= 5 && buf.subarray(0, 5).toString('latin1') !== 'HTTP/') throw new ProbeFailure('bad-response', 'the answer is not HTTP');
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) { if (atEof) throw new ProbeFailure('bad-response', 'truncated HTTP head'); return undefined; }
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]!);
  if (!m) throw new ProbeFailure('bad-response', 'malformed HTTP status line');
  const status = Number(m[1]);
  const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const rest = buf.subarray(end + 4);
  if (status === 204 || status === 304) return { status, body: Buffer.alloc(0) };
  const cl = headers.get('content-length');
  if (cl !== undefined) return rest.length >= Number(cl) ? { status, body: rest.subarray(0, Number(cl)) } : atEof ? trunc() : undefined;
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) return dechunk(rest, atEof, status);
  return atEof ? { status, body: rest } : undefined;
}

function trunc(): never { throw new ProbeFailure('bad-response', 'HTTP body shorter than announced'); }

function dechunk(b: Buffer, atEof: boolean, status: number): HttpResult | undefined {
  const parts: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < 100_000; i++) {
    const nl = b.indexOf('\r\n', off);
    if (nl < 0) return atEof ? trunc() : undefined;
    const size = parseInt(b.subarray(off, nl).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new ProbeFailure('bad-response', 'bad chunk size');
    if (size === 0) return { status, body: Buffer.concat(parts) };
    if (b.length < nl + 2 + size + 2) return atEof ? trunc() : undefined;
    parts.push(b.subarray(nl + 2, nl + 2 + size));
    off = nl + 2 + size + 2;
  }
  throw new ProbeFailure('bad-response', 'too many chunks');
}
