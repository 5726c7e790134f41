// Layer 1 (TCP connect) and the per-host reachability verdict. A black-holed host must cost
// one timeout per run, not one per inbound: the first connect to a host decides whether
// its other inbounds are tried at all (see scheduler.ts).
import { createServer, Socket } from 'node:net';
import { ProbeFailure } from './types.ts';

/** Injectable for tests, which count attempts per host. */
export type ConnectFn = (host: string, port: number, timeoutMs: number) => Promise<Socket>;

/** Errors that say "nobody answers at this address", not "this port is closed". */
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT']);

export const tcpConnect: ConnectFn = (host, port, timeoutMs) =>
  new Promise((resolve, reject) => {
    const sock = new Socket();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ProbeFailure('timeout', `no answer to TCP connect within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      if (e.code === 'ECONNREFUSED') reject(new ProbeFailure('refused', 'connection refused'));
      else if (UNREACHABLE.has(e.code ?? '')) reject(new ProbeFailure('timeout', `host unreachable (${e.code})`));
      else reject(new ProbeFailure('error', `connect failed (${e.code ?? e.message})`));
    });
    sock.connect(port, host);
  });

/** True for a failure that condemns every inbound of the host, not just this port. */
export function hostUnreachable(e: unknown): boolean {
  return e instanceof ProbeFailure && e.cls === 'timeout';
}

/** Wraps a promise with a deadline; `onTimeout` cleans up whatever the promise holds. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new ProbeFailure('timeout', `${what} took longer than ${ms} ms`));
    }, ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** A TCP port free on `host` (a loopback address, 127.0.0.1 unless given) right now: the kernel picks it; the listener is closed again. */
export function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
