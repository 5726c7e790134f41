// Trojan over TLS: a password per identity.
import type { TrojanInbound } from '../../model/types.ts';
import { need, tlsOf } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base, pin } from '../kit/mihomo.ts';
import { LISTEN_ALL } from '../kit/server.ts';
import { dial, singboxTls } from '../kit/singbox.ts';
import type { Protocol } from '../types.ts';

export const trojan: Protocol<TrojanInbound> = {
  type: 'trojan',
  name: 'Trojan',
  transports: ['tcp'],
  server: (inbound, ctx) => ({
    type: 'trojan',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
    tls: ctx.tls(),
  }),
  endpoint: (inbound, node, _keys, who) => ({ password: who.password, tls: tlsOf(node, inbound) }),
  singbox: (ep) => ({ ...dial(ep, 'trojan'), password: need(ep.password, 'password', ep), tls: singboxTls(need(ep.tls, 'tls', ep)) }),
  mihomo: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return { ...base(ep, 'trojan'), password: need(ep.password, 'password', ep), sni: tls.server_name, ...pin(tls) };
  },
  // The password is the userinfo, so `@ : / ? # %` in it are percent-encoded.
  link: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return `trojan://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}`
      + query([['security', 'tls'], ['sni', tls.server_name], ['type', 'tcp']]) + fragment(ep);
  },
};
