// The service gap of a rollout, seen from a client: every 20 ms each TCP inbound gets a TCP
// connect plus a TLS handshake (for Reality, with the borrowed site's name, which Reality
// relays; Shadowsocks, which has no handshake to answer, only the connect), and each UDP inbound a QUIC Initial that must be answered. A node's gap in one
// rollout is its longest stretch without an answer on any inbound: from the last answer
// before the failures to the first one after. Connections cut: idle TCP connections held
// open to each node across the rollout, counted when they end, and connections carried
// through each node's Trojan inbound to an echo server, counted when they no longer echo.
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { quicAnswers } from './quic.ts';
import { tcpConnect as probeConnect } from '../../scripts/probe/net.ts';
import { codecDuplex } from '../../scripts/probe/stream.ts';
import { tlsHandshake } from '../../scripts/probe/tls.ts';
import type { ProbeTarget } from '../../scripts/probe/types.ts';
import { trojanCodec } from '../../scripts/protocols/trojan/client.ts';

export interface GapTarget {
  node: string;
  host: string;
  port: number;
  transport: 'tcp' | 'udp';
  /** SNI: the node's certificate name, or for Reality the borrowed site's name; '' for an inbound without TLS (Shadowsocks). */
  serverName: string;
}

const INTERVAL_MS = 20;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * A TLS inbound answers a ClientHello with a ServerHello; one without TLS (Shadowsocks, which
 * says nothing to a stranger) is up when it accepts the TCP connection.
 */
function tlsAnswers(t: GapTarget): Promise<boolean> {
  if (t.serverName === '') return tcpAccepts(t);
  return new Promise((resolve) => {
    const sock = tlsConnect({ host: t.host, port: t.port, servername: t.serverName, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
    const done = (ok: boolean): void => { clearTimeout(timer); sock.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    sock.once('secureConnect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function tcpAccepts(t: GapTarget): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: t.host, port: t.port });
    const done = (ok: boolean): void => { clearTimeout(timer); sock.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Samples every target every 20 ms (each probe started on time, bounded by its timeout). */
export class GapSampler {
  readonly #samples = new Map<GapTarget, { t: number; ok: boolean }[]>();
  #timer: NodeJS.Timeout | undefined;
  readonly #pending = new Set<Promise<void>>();

  constructor(readonly targets: GapTarget[]) {
    for (const t of targets) this.#samples.set(t, []);
  }

  start(): void {
    this.#timer = setInterval(() => {
      for (const t of this.targets) {
        const started = performance.now();
        const p = (t.transport === 'tcp' ? tlsAnswers(t) : quicAnswers(t.host, t.port, t.serverName, PROBE_TIMEOUT_MS))
          .then((ok) => void this.#samples.get(t)!.push({ t: started, ok }))
          .finally(() => this.#pending.delete(p));
        this.#pending.add(p);
      }
    }, INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#pending]);
  }

  /** Per node: its longest gap (ms) across inbounds between from and to, and the probe count. */
  gaps(from: number, to: number): Map<string, { gapMs: number; probes: number; failed: number }> {
    const out = new Map<string, { gapMs: number; probes: number; failed: number }>();
    for (const [t, all] of this.#samples) {
      const xs = all.filter((s) => s.t >= from && s.t <= to).sort((a, b) => a.t - b.t);
      let gap = 0;
      let lastOk: number | undefined;
      let failing = false;
      for (const s of xs) {
        if (!s.ok) { failing = true; continue; }
        if (failing && lastOk !== undefined) gap = Math.max(gap, s.t - lastOk);
        failing = false;
        lastOk = s.t;
      }
      if (failing && lastOk !== undefined) gap = Math.max(gap, to - lastOk);
      const prev = out.get(t.node) ?? { gapMs: 0, probes: 0, failed: 0 };
      out.set(t.node, { gapMs: Math.max(prev.gapMs, gap), probes: prev.probes + xs.length, failed: prev.failed + xs.filter((s) => !s.ok).length });
    }
    return out;
  }
}

/** Idle TCP connections held to a port; `cut()` counts those that ended. */
export class HeldConnections {
  readonly #socks: { sock: Socket; ended: boolean }[] = [];

  static async open(host: string, port: number, count: number): Promise<HeldConnections> {
    const held = new HeldConnections();
    await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
      const entry = { sock: tcpConnect({ host, port }), ended: false };
      entry.sock.once('connect', () => resolve());
      entry.sock.once('error', (e) => { entry.ended = true; reject(e); });
      entry.sock.once('close', () => { entry.ended = true; });
      held.#socks.push(entry);
    })));
    return held;
  }

  cut(): number {
    return this.#socks.filter((s) => s.ended).length;
  }

  close(): void {
    for (const s of this.#socks) s.sock.destroy();
  }
}

/**
 * Connections a user has open through a node: TCP to the Trojan inbound, its TLS, the
 * Trojan header to the echo server, and one echo already heard. `cut()` sends on each
 * again and counts those that do not echo within a second (closed, reset or silent).
 */
export class ProxiedConnections {
  readonly #streams: Duplex[] = [];

  static async open(t: ProbeTarget, echo: { host: string; port: number }, count: number, now: Date): Promise<ProxiedConnections> {
    const held = new ProxiedConnections();
    for (let i = 0; i < count; i++) {
      const sock = await probeConnect(t.server, t.port, 3_000);
      const tls = await tlsHandshake(sock, t.tls!, 3_000, { now, alpn: t.tls!.alpn, judge: false });
      const stream = codecDuplex(tls.socket, trojanCodec(t.password!, echo.host, echo.port));
      stream.on('error', () => undefined);
      held.#streams.push(stream);
      if (!(await echoes(stream, `open ${i}\n`))) throw new Error(`${t.node}: no echo through the Trojan inbound (is ${echo.host} routed from the node?)`);
    }
    return held;
  }

  async cut(): Promise<number> {
    const answers = await Promise.all(this.#streams.map((s, i) => echoes(s, `again ${i}\n`)));
    return answers.filter((ok) => !ok).length;
  }

  close(): void {
    for (const s of this.#streams) s.destroy();
  }
}

/** Writes `text` and resolves whether exactly it comes back within a second. */
function echoes(stream: Duplex, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve(false);
    let got = '';
    const done = (ok: boolean): void => { clearTimeout(timer); stream.off('data', onData); stream.off('close', onClose); resolve(ok); };
    const onData = (b: Buffer): void => { got += b.toString('utf8'); if (got === text) done(true); else if (!text.startsWith(got)) done(false); };
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), 1_000);
    stream.on('data', onData);
    stream.once('close', onClose);
    stream.write(text);
  });
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
