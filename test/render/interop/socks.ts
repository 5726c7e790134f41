// A minimal SOCKS5 client (RFC 1928, no auth, CONNECT by domain name) that sends one
// HTTP/1.0 GET and returns the response body (Content-Length required), or an error after `timeoutMs`. Enough to
// drive a proxy client without curl, with every wait bounded.
import { connect } from 'node:net';

export function httpGetViaSocks(socksPort: number, host: string, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: socksPort });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout after ${timeoutMs} ms`)); }, timeoutMs);
    const fail = (e: Error) => { clearTimeout(timer); sock.destroy(); reject(e); };
    let stage: 'greet' | 'connect' | 'http' = 'greet';
    let buf = Buffer.alloc(0);
    sock.on('error', fail);
    sock.on('connect', () => sock.write(Buffer.from([5, 1, 0])));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 'greet') {
        if (buf.length < 2) return;
        if (buf[0] !== 5 || buf[1] !== 0) return fail(new Error('socks: no acceptable auth method'));
        buf = buf.subarray(2);
        stage = 'connect';
        const name = Buffer.from(host);
        sock.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, Buffer.from([port >> 8, port & 255])]));
      }
      if (stage === 'connect') {
        // Reply: VER REP RSV ATYP BND.ADDR BND.PORT; the address length depends on ATYP.
        if (buf.length < 5) return;
        if (buf[1] !== 0) return fail(new Error(`socks: connect failed (${buf[1]})`));
        const len = buf[3] === 1 ? 4 : buf[3] === 4 ? 16 : 1 + buf[4]!;
        if (buf.length < 4 + len + 2) return;
        buf = buf.subarray(4 + len + 2);
        stage = 'http';
        sock.write(`GET ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\n\r\n`);
        return;
      }
      // Done as soon as Content-Length bytes are in: proxies may hold the half-closed
      // connection open for a while after the server is finished.
      const body = bodyOf(buf);
      if (body !== undefined) { clearTimeout(timer); sock.destroy(); resolve(body); }
    });
    sock.on('end', () => {
      clearTimeout(timer);
      reject(new Error(stage === 'http' ? `incomplete HTTP response (${buf.length} bytes)` : `socks: closed during ${stage}`));
    });
  });
}

function bodyOf(buf: Buffer): string | undefined {
  const at = buf.indexOf('\r\n\r\n');
  if (at < 0) return undefined;
  const head = buf.subarray(0, at).toString('latin1');
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!head.startsWith('HTTP/1.') || !len) return undefined;
  const body = buf.subarray(at + 4);
  return body.length >= Number(len[1]) ? body.subarray(0, Number(len[1])).toString('utf8') : undefined;
}
