// VMess (AEAD) over WebSocket with TLS, for clients that lack VLESS.
import type { InboundOf } from '../../model/types.ts';
import { tlsOf, type UuidWsFacts } from '../kit/endpoint.ts';
import { base, pin, wsOpts } from '../kit/mihomo.ts';
import { listening } from '../kit/server.ts';
import { dial, singboxTls, wsTransport } from '../kit/singbox.ts';
import { vmessCodec } from './client.ts';
import type { Protocol } from '../types.ts';

export const vmessWs: Protocol<InboundOf<'vmess-ws'>, UuidWsFacts> = {
  type: 'vmess-ws',
  name: 'VMess-WS',
  health: { kind: 'node-tls' },
  probe: { native: (who, host, port) => vmessCodec(who.uuid!, host, port) },
  server: (inbound, ctx) => ({
    ...listening('vmess', inbound),
    // Inbound users spell it `alterId` (outbounds: `alter_id`); 0 selects AEAD, anything
    // else the legacy MD5 protocol.
    users: ctx.identities.map((id) => ({ name: id.name, uuid: id.uuid, alterId: 0 })),
    tls: ctx.tls(),
    transport: { type: 'ws', path: inbound.path },
  }),
  endpoint: (inbound, node, _keys, who) => {
    const tls = tlsOf(node, inbound);
    return { uuid: who.uuid, tls, ws: { path: inbound.path, host: tls.server_name } };
  },
  // alter_id 0 = AEAD header: the only VMess mode current servers accept.
  singbox: (ep) => ({
    ...dial(ep, 'vmess'), uuid: ep.uuid, security: 'auto', alter_id: 0,
    tls: singboxTls(ep.tls), transport: wsTransport(ep),
  }),
  mihomo: (ep) => {
    const { tls } = ep;
    return {
      ...base(ep, 'vmess'), uuid: ep.uuid, alterId: 0, cipher: 'auto',
      tls: true, servername: tls.server_name, ...pin(tls), ...wsOpts(ep),
    };
  },
  // vmess:// in v2rayN's "ver 2" form: standard base64 of a JSON object whose values are
  // all strings (v2rayN writes port and aid as strings; mihomo requires `ps`).
  link: (ep) => {
    const { tls } = ep;
    const { ws } = ep;
    const body = {
      v: '2', ps: ep.label, add: ep.server, port: String(ep.port), id: ep.uuid, aid: '0',
      scy: 'auto', net: 'ws', type: 'none', host: ws.host, path: ws.path, tls: 'tls', sni: tls.server_name, alpn: '', fp: '',
    };
    return `vmess://${Buffer.from(JSON.stringify(body), 'utf8').toString('base64')}`;
  },
};
