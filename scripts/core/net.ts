// Bounded TCP connect attempts: one probe, and a poll until a port accepts connections
// (`npm start` waiting for its web server; the test harness waiting for sshd and servers).
import { Socket } from 'node:net';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type ProbeResult = 'connected' | 'refused' | 'timeout' | 'error';

/**
 * One connect attempt, abandoned after timeoutMs. 'timeout' means no SYN-ACK and no RST
 * arrived in that window, which is what a black-holed host looks like.
 */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    sock.once('connect', () => done('connected'));
    sock.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error'));
    sock.connect(port, host);
  });
}

/** Polls until host:port accepts a connection; false at the deadline or when abort() says so. */
export async function waitForPort(host: string, port: number, timeoutMs: number, abort: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !abort()) {
    const left = deadline - Date.now();
    if ((await tcpProbe(host, port, Math.max(1, Math.min(1_000, left)))) === 'connected') return true;
    await sleep(Math.min(25, Math.max(0, deadline - Date.now())));
  }
  return false;
}
