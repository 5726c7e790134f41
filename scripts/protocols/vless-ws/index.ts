// VLESS over WebSocket with TLS: the inbound a CDN can front (no Vision flow over WS).
import type { InboundOf } from '../../model/types.ts';
import { tlsOf, type UuidWsFacts } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base, pin, wsOpts } from '../kit/mihomo.ts';
import { listening } from '../kit/server.ts';
import { dial, singboxTls, wsTransport } from '../kit/singbox.ts';
import { vlessCodec } from './client.ts';
import type { Protocol } from '../types.ts';

export const vlessWs: Protocol<InboundOf<'vless-ws'>, UuidWsFacts> = {
  type: 'vless-ws',
  name: 'VLESS-WS',
  health: { kind: 'node-tls' },
  probe: { native: (who, host, port) => vlessCodec(who.uuid!, host, port) },
  server: (inbound, ctx) => ({
    ...listening('vless', inbound),
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid })),
    tls: ctx.tls(),
    transport: { type: 'ws', path: inbound.path },
  }),
  endpoint: (inbound, node, _keys, who) => {
    const tls = tlsOf(node, inbound);
    return { uuid: who.uuid, tls, ws: { path: inbound.path, host: tls.server_name } };
  },
  singbox: (ep) => ({ ...dial(ep, 'vless'), uuid: ep.uuid, tls: singboxTls(ep.tls), transport: wsTransport(ep) }),
  mihomo: (ep) => {
    const { tls } = ep;
    return { ...base(ep, 'vless'), uuid: ep.uuid, tls: true, servername: tls.server_name, ...pin(tls), ...wsOpts(ep) };
  },
  link: (ep) => {
    const { tls } = ep;
    const { ws } = ep;
    return `vless://${enc(ep.uuid)}@${hostPort(ep)}` + query([
      ['encryption', 'none'], ['security', 'tls'], ['sni', tls.server_name], ['type', 'ws'], ['host', ws.host], ['path', ws.path],
    ]) + fragment(ep);
  },
};
