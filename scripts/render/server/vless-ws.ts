// VLESS over WebSocket with TLS: the inbound a CDN can front (no Vision flow over WS).
import type { WsInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function vlessWsInbound(inbound: WsInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'vless',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid })),
    tls: ctx.tls(),
    transport: { type: 'ws', path: inbound.path },
  };
}
