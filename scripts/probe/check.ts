// One (node, inbound) checked layer by layer on a single connection: TCP connect, TLS
// handshake, then the proxy protocol carrying an HTTP GET of the probe URL. Each step is
// bounded by the timeout; the result says how deep it got and why it stopped.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { transportOf } from '../model/inbound-facts.ts';
import { PROTOCOLS, type NativeClient } from '../protocols/registry.ts';
import { fetchOver, type HttpResult } from './http.ts';
import { tcpConnect, type ConnectFn } from './net.ts';
import { singboxFetch, type SingBox } from './singbox.ts';
import { codecDuplex } from './stream.ts';
import { tlsHandshake } from './tls.ts';
import { wsCodec, wsUpgrade } from './websocket.ts';
import { ProbeFailure, type EndpointResult, type Layer, type ProbeTarget } from './types.ts';
import { clipText } from '../text/escape.ts';

export interface CheckOptions {
  url: URL;
  timeoutMs: number;
  now: Date;
  connect?: ConnectFn;
  extraCa?: string;
  /** The sing-box binary, when one was found; undefined means "not available here". */
  singbox?: SingBox;
  showAddresses?: boolean;
  /** When the probe URL body must equal something (tests); mismatch is bad-response. */
  expectBody?: Buffer;
}

/** Longest `detail` the status store's run schema takes (run.schema.json). */
export const MAX_DETAIL = 300;


export async function checkEndpoint(t: ProbeTarget, o: CheckOptions): Promise<EndpointResult> {
  const r: EndpointResult = { node: t.node, tag: t.tag, type: t.type, deepest: 'none', ok: false, latency_ms: {} };
  if (o.showAddresses) r.address = `${t.server}:${t.port}`;
  const protocol = PROTOCOLS[t.type];
  const udp = transportOf(t.type) === 'udp';
  let sock: Socket | undefined;
  let stream: Duplex | undefined;
  try {
    if (!udp) {
      sock = await timed(r, 'tcp', () => (o.connect ?? tcpConnect)(t.server, t.port, o.timeoutMs));
      r.deepest = 'tcp';
    }
    if (t.tls && !udp) {
      const alpn = t.ws ? ['http/1.1'] : t.tls.alpn;
      const tls = await timed(r, 'tls', () => tlsHandshake(sock!, t.tls!, o.timeoutMs, { now: o.now, extraCa: o.extraCa, alpn }));
      stream = tls.socket;
      r.deepest = 'tls';
      if (tls.note) r.detail = tls.note; else r.cert_days_left = tls.daysLeft;
    }
    let res: HttpResult;
    if (protocol.probe !== 'sing-box') {
      const client = protocol.probe.native;
      res = await timed(r, 'proxy', () => nativeFetch(t, stream!, o, client));
    } else if (o.singbox) {
      stream?.destroy(); sock?.destroy();
      res = await timed(r, 'proxy', () => singboxFetch(o.singbox!, t, o.url, o.timeoutMs, o.extraCa));
    } else {
      const why = udp ? 'UDP/QUIC needs the sing-box binary (Node has no QUIC)' : `${t.type} needs the sing-box binary`;
      throw new ProbeFailure('not-probed', r.detail ? `${r.detail}; ${why}` : why);
    }
    r.http_status = res.status;
    if (res.status >= 400) throw new ProbeFailure('bad-response', `probe URL answered HTTP ${res.status}`);
    if (o.expectBody && !res.body.equals(o.expectBody)) throw new ProbeFailure('bad-response', 'probe URL body differs from the expected one');
    r.deepest = 'proxy';
    r.ok = true;
  } catch (e) {
    const f = e instanceof ProbeFailure ? e : new ProbeFailure('error', (e as Error).message);
    r.error = f.cls;
    // A not-probed layer after healthy ones is not a failure of the node.
    if (f.cls === 'not-probed') r.ok = r.deepest !== 'none';
    r.detail = f.detail;
  } finally {
    stream?.destroy();
    sock?.destroy();
  }
  // A node's certificate names, a server's words: cut to what the status store holds.
  if (r.detail) r.detail = clipText(r.detail, MAX_DETAIL);
  return r;
}

async function timed<T>(r: EndpointResult, layer: Exclude<Layer, 'none'>, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await fn();
  r.latency_ms[layer] = Math.round(performance.now() - t0);
  return v;
}

/** The probe user's own protocol stack on the TLS stream, then the HTTP GET. */
async function nativeFetch(t: ProbeTarget, tls: Duplex, o: CheckOptions, client: NativeClient): Promise<HttpResult> {
  const host = o.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(o.url.port || (o.url.protocol === 'https:' ? 443 : 80));
  let carrier: Duplex = tls;
  if (t.ws) {
    const early = await wsUpgrade(tls, t.ws.path, t.ws.host, o.timeoutMs);
    carrier = codecDuplex(tls, wsCodec((pong) => tls.write(pong)));
    if (early.length) tls.unshift(early);
    tls.resume();
  }
  return fetchOver(codecDuplex(carrier, client(t, host, port)), o.url, o.timeoutMs, o.extraCa);
}
