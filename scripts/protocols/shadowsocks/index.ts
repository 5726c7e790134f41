// Shadowsocks 2022, multi-user: the node's server key (iPSK) plus one key per identity
// (uPSK); clients send `<iPSK>:<uPSK>`. Only the AES methods support this, which is why
// the model allows no other. TCP and UDP on the same port.
import type { InboundOf } from '../../model/types.ts';
import { enc, fragment, hostPort } from '../kit/links.ts';
import { base } from '../kit/mihomo.ts';
import { listening } from '../kit/server.ts';
import { dial } from '../kit/singbox.ts';
import type { EndpointFacts } from '../kit/endpoint.ts';
import type { Protocol } from '../types.ts';

interface ShadowsocksFacts extends EndpointFacts {
  /** `password` is `<server key>:<user key>` for multi-user 2022. */
  shadowsocks: { method: InboundOf<'shadowsocks'>['method']; password: string };
}

export const shadowsocks: Protocol<InboundOf<'shadowsocks'>, ShadowsocksFacts> = {
  type: 'shadowsocks',
  name: 'SS2022',
  health: { kind: 'tcp' },
  probe: 'sing-box',
  server: (inbound, ctx) => ({
    ...listening('shadowsocks', inbound),
    method: inbound.method,
    password: ctx.keys.ss2022ServerKey(inbound.method),
    users: ctx.identities.map((id) => ({ name: id.name, password: id.ss2022Key(inbound.method) })),
    // Upstream recommends multiplex for 2022 over TCP (UDP rides inside it); clients that
    // do not multiplex still connect.
    multiplex: { enabled: true },
  }),
  endpoint: (inbound, _node, keys, who) => ({
    shadowsocks: { method: inbound.method, password: `${keys.ss2022ServerKey(inbound.method)}:${who.ss2022Key(inbound.method)}` },
  }),
  singbox: (ep) => {
    const { shadowsocks: ss } = ep;
    return { ...dial(ep, 'shadowsocks'), method: ss.method, password: ss.password };
  },
  mihomo: (ep) => {
    const { shadowsocks: ss } = ep;
    return { ...base(ep, 'ss'), cipher: ss.method, password: ss.password };
  },
  // ss:// per SIP002. For Shadowsocks-2022 the userinfo must NOT be base64 (SIP002's 2022
  // rule): `method:password` with each part percent-encoded, so the iPSK:uPSK colon is %3A.
  link: (ep) => {
    const { shadowsocks: ss } = ep;
    return `ss://${enc(ss.method)}:${enc(ss.password)}@${hostPort(ep)}${fragment(ep)}`;
  },
};
