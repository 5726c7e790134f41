// Trojan over TLS: a password per identity.
import type { TrojanInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function trojanInbound(inbound: TrojanInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'trojan',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
    tls: ctx.tls(),
  };
}
