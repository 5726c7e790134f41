// TUIC v5 (QUIC): uuid + password per identity. ALPN h3 must be set on both ends because
// sing-quic adds no default for TUIC.
import type { TuicInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function tuicInbound(inbound: TuicInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'tuic',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, password: id.password })),
    congestion_control: inbound.congestion_control,
    auth_timeout: '3s',
    // 0-RTT data can be replayed by an observer; keep it off.
    zero_rtt_handshake: false,
    heartbeat: '10s',
    tls: ctx.tls(['h3']),
  };
}
