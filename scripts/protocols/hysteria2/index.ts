// Hysteria2 (QUIC): TLS is mandatory, ALPN h3; optional salamander obfuscation with the
// node's derived password; a masquerade site answers plain HTTP/3 visitors. Bandwidth is
// left out of client profiles and links: the node's capacity is not the user's line, and
// a phone declaring 1000 Mbps upload makes Brutal congestion control flood its link.
import type { InboundOf } from '../../model/types.ts';
import { tlsOf, type EndpointFacts, type EndpointTls } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base, pin } from '../kit/mihomo.ts';
import { listening, type JsonObject } from '../kit/server.ts';
import { dial, singboxTls, type SingBoxOutbound } from '../kit/singbox.ts';
import type { Protocol } from '../types.ts';

// The object form (not the URL string) because the community schema only knows that one
// and it states the intent: reverse-proxy the site, presenting its own Host header.
function masquerade(url: string): JsonObject {
  return { type: 'proxy', url, rewrite_host: true };
}

interface Hysteria2Facts extends EndpointFacts {
  password: string;
  tls: EndpointTls;
  hysteria2: { obfs_password?: string; up_mbps?: number; down_mbps?: number };
}

export const hysteria2: Protocol<InboundOf<'hysteria2'>, Hysteria2Facts> = {
  type: 'hysteria2',
  name: 'Hysteria2',
  health: { kind: 'udp-listening' },
  probe: 'sing-box',
  server: (inbound, ctx) => ({
    ...listening('hysteria2', inbound),
    // Absent means unlimited; clients then negotiate BBR.
    up_mbps: inbound.up_mbps,
    down_mbps: inbound.down_mbps,
    obfs: inbound.obfs ? { type: 'salamander', password: ctx.keys.hysteria2ObfsPassword } : undefined,
    users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
    tls: ctx.tls(['h3']),
    masquerade: inbound.masquerade ? masquerade(inbound.masquerade) : undefined,
  }),
  endpoint: (inbound, node, keys, who) => ({
    password: who.password, tls: tlsOf(node, inbound, ['h3']),
    hysteria2: { obfs_password: inbound.obfs ? keys.hysteria2ObfsPassword : undefined, up_mbps: inbound.up_mbps, down_mbps: inbound.down_mbps },
  }),
  singbox: (ep) => {
    const out: SingBoxOutbound = { ...dial(ep, 'hysteria2'), password: ep.password };
    const obfs = ep.hysteria2?.obfs_password;
    if (obfs) out.obfs = { type: 'salamander', password: obfs };
    out.tls = singboxTls({ ...ep.tls, alpn: ['h3'] });
    return out;
  },
  mihomo: (ep) => {
    const { tls } = ep;
    const obfs = ep.hysteria2?.obfs_password;
    return {
      ...base(ep, 'hysteria2'), password: ep.password,
      ...(obfs ? { obfs: 'salamander', 'obfs-password': obfs } : {}),
      sni: tls.server_name, alpn: ['h3'], ...pin(tls),
    };
  },
  // hysteria2:// per the official Hysteria 2 URI scheme.
  link: (ep) => {
    const { tls } = ep;
    const obfs = ep.hysteria2?.obfs_password;
    return `hysteria2://${enc(ep.password)}@${hostPort(ep)}/`
      + query([['sni', tls.server_name], ['obfs', obfs ? 'salamander' : undefined], ['obfs-password', obfs]]) + fragment(ep);
  },
};
