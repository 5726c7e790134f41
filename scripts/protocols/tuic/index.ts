// TUIC v5 (QUIC): uuid + password per identity. ALPN h3 must be set on both ends because
// sing-quic adds no default for TUIC.
import type { InboundOf } from '../../model/types.ts';
import { tlsOf, type EndpointFacts, type EndpointTls } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base, pin } from '../kit/mihomo.ts';
import { listening } from '../kit/server.ts';
import { dial, singboxTls } from '../kit/singbox.ts';
import type { Protocol } from '../types.ts';

interface TuicFacts extends EndpointFacts { uuid: string; password: string; tls: EndpointTls; tuic: { congestion_control: string } }

export const tuic: Protocol<InboundOf<'tuic'>, TuicFacts> = {
  type: 'tuic',
  name: 'TUIC',
  health: { kind: 'udp-listening' },
  probe: 'sing-box',
  server: (inbound, ctx) => ({
    ...listening('tuic', inbound),
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, password: id.password })),
    congestion_control: inbound.congestion_control,
    auth_timeout: '3s',
    // 0-RTT data can be replayed by an observer; keep it off.
    zero_rtt_handshake: false,
    heartbeat: '10s',
    tls: ctx.tls(['h3']),
  }),
  endpoint: (inbound, node, _keys, who) => ({
    uuid: who.uuid, password: who.password, tls: tlsOf(node, inbound, ['h3']), tuic: { congestion_control: inbound.congestion_control },
  }),
  singbox: (ep) => ({
    ...dial(ep, 'tuic'), uuid: ep.uuid, password: ep.password,
    congestion_control: ep.tuic.congestion_control, udp_relay_mode: 'native',
    tls: singboxTls({ ...ep.tls, alpn: ['h3'] }),
  }),
  mihomo: (ep) => {
    const { tls } = ep;
    return {
      ...base(ep, 'tuic'), uuid: ep.uuid, password: ep.password,
      'congestion-controller': ep.tuic.congestion_control, 'udp-relay-mode': 'native',
      sni: tls.server_name, alpn: ['h3'], ...pin(tls),
    };
  },
  // tuic:// (de-facto format read by mihomo and v2rayN): uuid:password as userinfo.
  link: (ep) => {
    const { tls } = ep;
    return `tuic://${enc(ep.uuid)}:${enc(ep.password)}@${hostPort(ep)}`
      + query([
        ['congestion_control', ep.tuic.congestion_control], ['udp_relay_mode', 'native'],
        ['alpn', 'h3'], ['sni', tls.server_name],
      ]) + fragment(ep);
  },
};
