// VMess (AEAD) over WebSocket with TLS, for clients that lack VLESS.
import type { WsInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function vmessWsInbound(inbound: WsInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'vmess',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    // Inbound users spell it `alterId` (outbounds: `alter_id`); 0 selects AEAD, anything
    // else the legacy MD5 protocol.
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, alterId: 0 })),
    tls: ctx.tls(),
    transport: { type: 'ws', path: inbound.path },
  };
}
