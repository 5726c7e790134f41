// AnyTLS (sing-box 1.12+, mihomo 1.19+): a password per identity inside TLS, with the
// padding scheme's defaults hiding TLS-in-TLS record patterns. TCP only; the certificate
// is the node's (pinned when self-signed), like Trojan.
import type { AnytlsInbound } from '../../model/types.ts';
import { need, tlsOf } from '../kit/endpoint.ts';
import { enc, fragment, hostPort, query } from '../kit/links.ts';
import { base, pin } from '../kit/mihomo.ts';
import { LISTEN_ALL } from '../kit/server.ts';
import { dial, singboxTls } from '../kit/singbox.ts';
import type { Protocol } from '../types.ts';

export const anytls: Protocol<AnytlsInbound> = {
  type: 'anytls',
  name: 'AnyTLS',
  transports: ['tcp'],
  server: (inbound, ctx) => ({
    type: 'anytls',
    tag: inbound.tag,
    listen: LISTEN_ALL,
    listen_port: inbound.port,
    users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
    tls: ctx.tls(),
  }),
  endpoint: (inbound, node, _keys, who) => ({ password: who.password, tls: tlsOf(node, inbound) }),
  singbox: (ep) => ({ ...dial(ep, 'anytls'), password: need(ep.password, 'password', ep), tls: singboxTls(need(ep.tls, 'tls', ep)) }),
  mihomo: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return { ...base(ep, 'anytls'), password: need(ep.password, 'password', ep), sni: tls.server_name, ...pin(tls) };
  },
  // anytls:// per anytls-go's docs/uri_scheme.md (mihomo's converter reads it).
  link: (ep) => {
    const tls = need(ep.tls, 'tls', ep);
    return `anytls://${enc(need(ep.password, 'password', ep))}@${hostPort(ep)}/` + query([['sni', tls.server_name]]) + fragment(ep);
  },
};
