// VLESS + XTLS-Vision over REALITY: no certificate of its own; unauthenticated visitors are
// handed to the borrowed site (`handshake`), so the port looks like that site.
import type { VlessRealityInbound } from '../../model/types.ts';
import { LISTEN_ALL, type InboundContext, type SingBoxInbound } from './types.ts';

export function vlessRealityInbound(inbound: VlessRealityInbound, ctx: InboundContext): SingBoxInbound {
  return {
    type: 'vless',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    // Vision runs on the raw TLS stream: no transport, no multiplex (reference §2.2).
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, flow: 'xtls-rprx-vision' })),
    tls: {
      enabled: true,
      // REALITY accepts only this SNI; clients send the same (endpoint.ts).
      server_name: inbound.handshake_server,
      reality: {
        enabled: true,
        handshake: { server: inbound.handshake_server, server_port: inbound.handshake_port },
        private_key: ctx.keys.realityPrivateKey,
        short_id: ctx.keys.realityShortIds(inbound.short_id_count),
        // Rejects replayed handshakes from clients with a badly wrong clock.
        max_time_difference: '1m',
      },
    },
  };
}
