// Shadowsocks 2022, multi-user: the node's server key (iPSK) plus one key per identity
// (uPSK); clients send `<iPSK>:<uPSK>` (endpoint.ts). Only the AES methods support this,
// which is why the model allows no other.
import type { ShadowsocksInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function shadowsocksInbound(inbound: ShadowsocksInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'shadowsocks',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    method: inbound.method,
    password: ctx.keys.ss2022ServerKey(inbound.method),
    users: ctx.identities.map((id) => ({ name: id.name, password: id.ss2022Key(inbound.method) })),
    // Upstream recommends multiplex for 2022 over TCP (UDP rides inside it); clients that
    // do not multiplex still connect.
    multiplex: { enabled: true },
  };
}
