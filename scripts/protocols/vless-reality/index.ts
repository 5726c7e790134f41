// VLESS + XTLS-Vision over REALITY: no certificate of its own; unauthenticated visitors are
// handed to the borrowed site (`handshake`), so the port looks like that site.
import type { InboundOf } from '../../model/types.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base } from '../kit/mihomo.ts';
import { listening } from '../kit/server.ts';
import { dial, singboxTls } from '../kit/singbox.ts';
import type { EndpointFacts, EndpointTls } from '../kit/endpoint.ts';
import type { Protocol } from '../types.ts';

interface RealityFacts extends EndpointFacts {
  uuid: string;
  flow: 'xtls-rprx-vision';
  tls: EndpointTls & { reality: { public_key: string; short_id: string } };
}

export const vlessReality: Protocol<InboundOf<'vless-reality'>, RealityFacts> = {
  type: 'vless-reality',
  name: 'Reality',
  health: { kind: 'tls-hello', serverName: (inbound) => inbound.handshake_server },
  probe: 'sing-box',
  server: (inbound, ctx) => ({
    ...listening('vless', inbound),
    // Vision runs on the raw TLS stream: no transport, no multiplex (reference §2.2).
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, flow: 'xtls-rprx-vision' })),
    tls: {
      enabled: true,
      // REALITY accepts only this SNI; clients send the same (endpoint below).
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
  }),
  endpoint: (inbound, _node, keys, who) => ({
    uuid: who.uuid, flow: 'xtls-rprx-vision',
    tls: { server_name: inbound.handshake_server, reality: { public_key: keys.realityPublicKey, short_id: keys.realityShortIds(inbound.short_id_count)[0]! } },
  }),
  singbox: (ep) => ({ ...dial(ep, 'vless'), uuid: ep.uuid, flow: 'xtls-rprx-vision', tls: singboxTls(ep.tls) }),
  mihomo: (ep) => {
    const { tls } = ep;
    const { reality } = tls;
    return {
      ...base(ep, 'vless'), uuid: ep.uuid, network: 'tcp', tls: true, flow: 'xtls-rprx-vision',
      servername: tls.server_name,
      // Reality needs a browser-like ClientHello; mihomo only sends one with client-fingerprint.
      'client-fingerprint': 'chrome',
      'reality-opts': { 'public-key': reality.public_key, 'short-id': reality.short_id },
    };
  },
  // vless:// in the Xray/v2rayN query vocabulary (mihomo, v2rayNG, Hiddify, Shadowrocket read it).
  link: (ep) => {
    const { tls } = ep;
    const { reality } = tls;
    return `vless://${enc(ep.uuid)}@${hostPort(ep)}` + query([
      ['encryption', 'none'], ['flow', ep.flow], ['security', 'reality'], ['sni', tls.server_name],
      ['fp', 'chrome'], ['pbk', reality.public_key], ['sid', reality.short_id], ['type', 'tcp'],
    ]) + fragment(ep);
  },
};
