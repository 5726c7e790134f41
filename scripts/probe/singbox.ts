// Layer 3 for what Node cannot speak itself (Reality, Shadowsocks 2022, Hysteria2, TUIC):
// a throw-away sing-box client with one mixed inbound on a loopback port and the
// endpoint's outbound (the same mapper the published profiles use), an HTTP CONNECT
// through it, then the GET. The process is stopped by its PID whatever happens.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Endpoint } from '../render/endpoint.ts';
import { singboxOutbound } from '../render/client/singbox/outbounds.ts';
import { fetchOver, type HttpResult } from './http.ts';
import { freeLoopbackPort } from './net.ts';
import { ProbeFailure, type ProbeTarget } from './types.ts';
import { childEnv } from '../core/child-env.ts';

export interface SingBox { path: string }

/** The sing-box binary on PATH (or BOXFLEET_SINGBOX), if any. */
export function findSingBox(env: NodeJS.ProcessEnv): SingBox | undefined {
  const candidates = env.BOXFLEET_SINGBOX ? [env.BOXFLEET_SINGBOX] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'sing-box'));
  for (const path of candidates) {
    try { accessSync(path, constants.X_OK); return { path }; } catch { /* next */ }
  }
  return undefined;
}

/** Minimal client config: mixed inbound on host:port (loopback) → the endpoint's outbound. */
export function clientConfig(t: ProbeTarget, port: number, host = '127.0.0.1'): Record<string, unknown> {
  // The render mapper takes an Endpoint; the target carries the same client facts.
  const ep = { ...t, label: 'probe', node: { name: t.node }, inbound: { type: t.type, tag: t.tag } } as unknown as Endpoint;
  return {
    log: { level: 'warn' },
    dns: { servers: [{ type: 'local', tag: 'local' }] },
    inbounds: [{ type: 'mixed', tag: 'in', listen: host, listen_port: port }],
    outbounds: [singboxOutbound(ep)],
    route: { final: 'probe' },
  };
}


/** Where a probe's client listens: a loopback address and a port that was free a moment ago. */
export interface ClientAddress { host: string; port: number }

/**
 * A free port on a loopback address of its own. The port is free when chosen and bound by
 * sing-box a moment later: in between, another program (another probe's client, with 32 at
 * once) may take it, and what answers there is not ours. On Linux every 127.x.y.z is this
 * machine, so each client gets a random one and such a meeting needs the same address too.
 */
export async function clientAddress(): Promise<ClientAddress> {
  const host = process.platform === 'linux' ? `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}` : '127.0.0.1';
  return { host, port: await freeLoopbackPort(host) };
}

/** The client lost its port to another program: it exited, and what answered was not it. */
class PortTaken extends Error {}

/** At most this many clients per probe when each lost its port (a refused config exits too). */
const CLIENT_STARTS = 3;

export async function singboxFetch(sb: SingBox, t: ProbeTarget, url: URL, timeoutMs: number, extraCa?: string, address: () => Promise<ClientAddress> = clientAddress): Promise<HttpResult> {
  for (let start = 1; ; start++) {
    try {
      return await fetchThroughClient(sb, t, url, timeoutMs, extraCa, await address());
    } catch (e) {
      if (!(e instanceof PortTaken)) throw e;
      if (start >= CLIENT_STARTS) throw new ProbeFailure('error', e.message);
    }
  }
}

async function fetchThroughClient(sb: SingBox, t: ProbeTarget, url: URL, timeoutMs: number, extraCa: string | undefined, at: ClientAddress): Promise<HttpResult> {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-probe-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(clientConfig(t, at.port, at.host)), { mode: 0o600 });
  const child = spawn(sb.path, ['run', '-c', join(dir, 'config.json')], { stdio: 'ignore', env: caEnv(dir, extraCa) });
  let exited = false;
  const gone = new Promise<void>((r) => {
    child.once('exit', () => { exited = true; r(); });
    child.once('error', () => { exited = true; r(); });
  });
  /** Our client is gone, now or within a moment (a lost bind ends it at once): not its answer. */
  const lost = async (): Promise<boolean> => exited || (await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]));
  try {
    let sock: Socket;
    try { sock = await waitConnect(at, timeoutMs, () => exited); } catch (e) {
      if (exited) throw new PortTaken('sing-box exited at start (config refused, or its port taken)');
      throw e;
    }
    const t0 = performance.now();
    try {
      const r = await connectThrough(sock, url, timeoutMs, extraCa);
      if (exited) throw new PortTaken('the probe client lost its port to another program');
      return r;
    } catch (e) {
      if (e instanceof PortTaken || (await lost())) throw e instanceof PortTaken ? e : new PortTaken('the probe client lost its port to another program');
      // Closed without an answer, soon: once more through the same client, as an app would.
      // The sing-box client can close a good tunnel itself: its Shadowsocks 2022 client
      // (sing-shadowsocks2 v0.2.1, shadowaead_2022/method.go) records the request's salt
      // only after the write returns, so an answer faster than that is refused as "bad
      // request salt". A node that refuses the probe closes the second tunnel too. A tunnel
      // held longer than one timeout is not that race, and a timeout is never tried again:
      // an endpoint costs at most one timeout more than it did.
      if (!(e instanceof ProbeFailure && e.closed) || performance.now() - t0 >= timeoutMs) throw e;
      let again: Socket;
      try { again = await waitConnect(at, timeoutMs, () => exited); } catch { throw e; } // the client died: the first failure says why
      return await connectThrough(again, url, timeoutMs, extraCa);
    }
  } finally {
    if (child.pid && !exited) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The extra CA (BOXFLEET_PROBE_CA_FILE) for sing-box's own TLS as well (Hysteria2, TUIC):
 * Go adds every certificate in SSL_CERT_DIR's folders to the system roots, which it keeps.
 */
function caEnv(dir: string, extraCa?: string): NodeJS.ProcessEnv {
  if (!extraCa) return childEnv();
  mkdirSync(join(dir, 'ca'));
  writeFileSync(join(dir, 'ca', 'extra.pem'), extraCa);
  return childEnv({ SSL_CERT_DIR: [join(dir, 'ca'), ...(process.env.SSL_CERT_DIR ?? '/etc/ssl/certs:/etc/pki/tls/certs').split(':')].join(':') });
}

async function waitConnect(at: ClientAddress, timeoutMs: number, dead: () => boolean): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    if (dead()) throw new ProbeFailure('error', 'sing-box exited at start (config refused?)');
    const s = await new Promise<Socket | undefined>((res) => {
      const c = new Socket();
      c.once('connect', () => res(c));
      c.once('error', () => { c.destroy(); res(undefined); });
      c.connect(at.port, at.host);
    });
    if (s) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new ProbeFailure('error', `sing-box did not listen within ${timeoutMs} ms`);
}

/** CONNECT target through the mixed inbound; a refusal means the outbound could not open. */
function connectThrough(sock: Socket, url: URL, timeoutMs: number, extraCa?: string): Promise<HttpResult> {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new ProbeFailure('auth-rejected-or-silent', 'sing-box opened no tunnel in time')); }, timeoutMs);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      sock.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(buf.toString('latin1'))) { sock.destroy(); return reject(new ProbeFailure('auth-rejected-or-silent', 'the node refused or ignored the tunnel (sing-box)')); }
      const rest = buf.subarray(end + 4);
      if (rest.length) sock.unshift(rest);
      fetchOver(sock, url, timeoutMs, extraCa).then(resolve, reject);
    };
    sock.on('data', onData);
    sock.once('close', () => { clearTimeout(timer); reject(new ProbeFailure('auth-rejected-or-silent', 'sing-box closed the tunnel', true)); });
    sock.write(`CONNECT ${url.hostname}:${port} HTTP/1.1\r\nHost: ${url.hostname}:${port}\r\n\r\n`);
  });
}
