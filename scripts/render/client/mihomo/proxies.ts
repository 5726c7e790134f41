// mihomo (Clash Meta) proxies, one small mapper per protocol. Key names differ from
// sing-box (`port`, `servername` vs `sni`, `cipher`, `congestion-controller`): each mapper
// spells its protocol's keys as mihomo's Go structs read them.
import { X509Certificate } from 'node:crypto';
import type { Endpoint, EndpointTls } from '../../endpoint.ts';

export type MihomoProxy = Record<string, unknown> & { name: string; type: string };

function base(ep: Endpoint, type: string): MihomoProxy {
  // udp defaults to false in mihomo for TCP protocols: without it, games and QUIC would
  // silently go direct or fail.
  return { name: ep.label, type, server: ep.server, port: ep.port, udp: true };
}

/**
 * A self-signed certificate is pinned by its SHA-256 (of the DER), the form
 * meta-json-schema and mihomo accept ("AB:CD:…"); `skip-cert-verify` is never written.
 */
export function certFingerprint(pem: string): string {
  // Parsing the certificate is the dearest step of a proxy; a fleet has few certificates.
  let fp = fingerprints.get(pem);
  if (fp === undefined) {
    fp = new X509Certificate(pem).fingerprint256;
    if (fingerprints.size >= 256) fingerprints.clear();
    fingerprints.set(pem, fp);
  }
  return fp;
}

const fingerprints = new Map<string, string>();

function pin(tls: EndpointTls): Record<string, unknown> {
  return tls.certificate ? { fingerprint: certFingerprint(tls.certificate) } : {};
}

function need<T>(value: T | undefined, what: string, ep: Endpoint): T {
  if (value === undefined) throw new Error(`endpoint ${ep.label}: missing ${what}`);
  return value;
}

export function vlessRealityProxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  const reality = need(tls.reality, 'reality', ep);
  return {
    ...base(ep, 'vless'), uuid: need(ep.uuid, 'uuid', ep), network: 'tcp', tls: true, flow: 'xtls-rprx-vision',
    servername: tls.server_name,
    // Reality needs a browser-like ClientHello; mihomo only sends one with client-fingerprint.
    'client-fingerprint': 'chrome',
    'reality-opts': { 'public-key': reality.public_key, 'short-id': reality.short_id },
  };
}

function wsOpts(ep: Endpoint): Record<string, unknown> {
  const ws = need(ep.ws, 'ws', ep);
  return { network: 'ws', 'ws-opts': { path: ws.path, headers: { Host: ws.host } } };
}

export function vlessWsProxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  return { ...base(ep, 'vless'), uuid: need(ep.uuid, 'uuid', ep), tls: true, servername: tls.server_name, ...pin(tls), ...wsOpts(ep) };
}

export function vmessWsProxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  return {
    ...base(ep, 'vmess'), uuid: need(ep.uuid, 'uuid', ep), alterId: 0, cipher: 'auto',
    tls: true, servername: tls.server_name, ...pin(tls), ...wsOpts(ep),
  };
}

export function trojanProxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  return { ...base(ep, 'trojan'), password: need(ep.password, 'password', ep), sni: tls.server_name, ...pin(tls) };
}

export function ssProxy(ep: Endpoint): MihomoProxy {
  const ss = need(ep.shadowsocks, 'shadowsocks', ep);
  return { ...base(ep, 'ss'), cipher: ss.method, password: ss.password };
}

/** Bandwidth left out as in the sing-box profile: the node's capacity is not the user's line. */
export function hysteria2Proxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  const obfs = ep.hysteria2?.obfs_password;
  return {
    ...base(ep, 'hysteria2'), password: need(ep.password, 'password', ep),
    ...(obfs ? { obfs: 'salamander', 'obfs-password': obfs } : {}),
    sni: tls.server_name, alpn: ['h3'], ...pin(tls),
  };
}

export function tuicProxy(ep: Endpoint): MihomoProxy {
  const tls = need(ep.tls, 'tls', ep);
  return {
    ...base(ep, 'tuic'), uuid: need(ep.uuid, 'uuid', ep), password: need(ep.password, 'password', ep),
    'congestion-controller': need(ep.tuic, 'tuic', ep).congestion_control, 'udp-relay-mode': 'native',
    sni: tls.server_name, alpn: ['h3'], ...pin(tls),
  };
}

const MAPPERS: Record<Endpoint['inbound']['type'], (ep: Endpoint) => MihomoProxy> = {
  'vless-reality': vlessRealityProxy,
  'vless-ws': vlessWsProxy,
  'vmess-ws': vmessWsProxy,
  trojan: trojanProxy,
  shadowsocks: ssProxy,
  hysteria2: hysteria2Proxy,
  tuic: tuicProxy,
};

export function mihomoProxy(ep: Endpoint): MihomoProxy {
  return MAPPERS[ep.inbound.type](ep);
}
