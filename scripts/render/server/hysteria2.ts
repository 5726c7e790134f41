// Hysteria2 (QUIC): TLS is mandatory, ALPN h3; optional salamander obfuscation with the
// node's derived password; a masquerade site answers plain HTTP/3 visitors.
import type { Hysteria2Inbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type JsonObject, type SingBoxInbound } from './types.ts';

export function hysteria2Inbound(inbound: Hysteria2Inbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'hysteria2',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    // Absent means unlimited; clients then negotiate BBR.
    up_mbps: inbound.up_mbps,
    down_mbps: inbound.down_mbps,
    obfs: inbound.obfs ? { type: 'salamander', password: ctx.keys.hysteria2ObfsPassword } : undefined,
    users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
    tls: ctx.tls(['h3']),
    masquerade: inbound.masquerade ? masquerade(inbound.masquerade) : undefined,
  };
}

// The object form (not the URL string) because the community schema only knows that one
// and it states the intent: reverse-proxy the site, presenting its own Host header.
function masquerade(url: string): JsonObject {
  return { type: 'proxy', url, rewrite_host: true };
}
