// sing-box 1.12/1.13 client outbounds, one small mapper per protocol, from the endpoint
// facts alone (no model lookups here: what the endpoint does not say, the client is not told).
import { isIP } from 'node:net';
import type { Endpoint, EndpointTls } from '../../endpoint.ts';

export type SingBoxOutbound = Record<string, unknown> & { type: string; tag: string };

/** DNS server tag that resolves proxy servers' host names (outside the tunnel). */
export const LOCAL_DNS = 'local';

function dial(ep: Endpoint, type: string): SingBoxOutbound {
  const out: SingBoxOutbound = { type, tag: ep.label, server: ep.server, server_port: ep.port };
  // 1.13 stops with MISSING_DOMAIN_RESOLVER when a host name has no resolver; an IP needs none.
  if (isIP(ep.server) === 0) out.domain_resolver = LOCAL_DNS;
  return out;
}

/**
 * TLS block. A self-signed node is pinned by its certificate (sing-box then trusts only
 * that certificate); `insecure` is never written: it would accept any man in the middle.
 */
export function singboxTls(tls: EndpointTls): Record<string, unknown> {
  if (tls.reality) {
    return {
      enabled: true,
      server_name: tls.server_name,
      // sing-box refuses a Reality client without uTLS ("uTLS is required by reality client").
      utls: { enabled: true, fingerprint: 'chrome' },
      reality: { enabled: true, public_key: tls.reality.public_key, short_id: tls.reality.short_id },
    };
  }
  const out: Record<string, unknown> = { enabled: true, server_name: tls.server_name };
  if (tls.alpn) out.alpn = [...tls.alpn];
  if (tls.certificate) out.certificate = pemLines(tls.certificate);
  return out;
}

/** sing-box documents `certificate` as the PEM's line array. */
export function pemLines(pem: string): string[] {
  return pem.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

function need<T>(value: T | undefined, what: string, ep: Endpoint): T {
  if (value === undefined) throw new Error(`endpoint ${ep.label}: missing ${what}`);
  return value;
}

export function vlessRealityOutbound(ep: Endpoint): SingBoxOutbound {
  return { ...dial(ep, 'vless'), uuid: need(ep.uuid, 'uuid', ep), flow: 'xtls-rprx-vision', tls: singboxTls(need(ep.tls, 'tls', ep)) };
}

function wsTransport(ep: Endpoint): Record<string, unknown> {
  const ws = need(ep.ws, 'ws', ep);
  return { type: 'ws', path: ws.path, headers: { Host: ws.host } };
}

export function vlessWsOutbound(ep: Endpoint): SingBoxOutbound {
  return { ...dial(ep, 'vless'), uuid: need(ep.uuid, 'uuid', ep), tls: singboxTls(need(ep.tls, 'tls', ep)), transport: wsTransport(ep) };
}

export function vmessWsOutbound(ep: Endpoint): SingBoxOutbound {
  // alter_id 0 = AEAD header: the only VMess mode current servers accept.
  return {
    ...dial(ep, 'vmess'), uuid: need(ep.uuid, 'uuid', ep), security: 'auto', alter_id: 0,
    tls: singboxTls(need(ep.tls, 'tls', ep)), transport: wsTransport(ep),
  };
}

export function trojanOutbound(ep: Endpoint): SingBoxOutbound {
  return { ...dial(ep, 'trojan'), password: need(ep.password, 'password', ep), tls: singboxTls(need(ep.tls, 'tls', ep)) };
}

export function shadowsocksOutbound(ep: Endpoint): SingBoxOutbound {
  const ss = need(ep.shadowsocks, 'shadowsocks', ep);
  return { ...dial(ep, 'shadowsocks'), method: ss.method, password: ss.password };
}

/**
 * Bandwidth is left out on purpose: the node's up/down figures are the server's capacity,
 * not the user's line. A client that declares 1000 Mbps upload on a phone makes Brutal
 * congestion control flood its link; without figures sing-box uses BBR.
 */
export function hysteria2Outbound(ep: Endpoint): SingBoxOutbound {
  const out: SingBoxOutbound = { ...dial(ep, 'hysteria2'), password: need(ep.password, 'password', ep) };
  const obfs = ep.hysteria2?.obfs_password;
  if (obfs) out.obfs = { type: 'salamander', password: obfs };
  out.tls = singboxTls({ ...need(ep.tls, 'tls', ep), alpn: ['h3'] });
  return out;
}

export function tuicOutbound(ep: Endpoint): SingBoxOutbound {
  return {
    ...dial(ep, 'tuic'), uuid: need(ep.uuid, 'uuid', ep), password: need(ep.password, 'password', ep),
    congestion_control: need(ep.tuic, 'tuic', ep).congestion_control, udp_relay_mode: 'native',
    tls: singboxTls({ ...need(ep.tls, 'tls', ep), alpn: ['h3'] }),
  };
}

const MAPPERS: Record<Endpoint['inbound']['type'], (ep: Endpoint) => SingBoxOutbound> = {
  'vless-reality': vlessRealityOutbound,
  'vless-ws': vlessWsOutbound,
  'vmess-ws': vmessWsOutbound,
  trojan: trojanOutbound,
  shadowsocks: shadowsocksOutbound,
  hysteria2: hysteria2Outbound,
  tuic: tuicOutbound,
};

export function singboxOutbound(ep: Endpoint): SingBoxOutbound {
  return MAPPERS[ep.inbound.type](ep);
}
