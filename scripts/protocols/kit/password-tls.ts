// A password per identity inside the node's own TLS (Trojan, AnyTLS): the same server
// inbound, client facts, sing-box outbound and mihomo proxy, under each protocol's name.
import type { Inbound } from '../../model/types.ts';
import type { Protocol } from '../types.ts';
import { tlsOf, type EndpointFacts, type EndpointTls } from './endpoint.ts';
import { base, pin } from './mihomo.ts';
import { listening } from './server.ts';
import { dial, singboxTls } from './singbox.ts';

export interface PasswordTlsFacts extends EndpointFacts { password: string; tls: EndpointTls }

/** `wire` is the type sing-box and mihomo spell (the same for both here). */
export function passwordOverTls<T extends Inbound>(wire: string): Pick<Protocol<T, PasswordTlsFacts>, 'server' | 'endpoint' | 'singbox' | 'mihomo'> {
  return {
    server: (inbound, ctx) => ({
      ...listening(wire, inbound),
      users: ctx.identities.map((id) => ({ name: id.name, password: id.password })),
      tls: ctx.tls(),
    }),
    endpoint: (inbound, node, _keys, who) => ({ password: who.password, tls: tlsOf(node, inbound) }),
    singbox: (ep) => ({ ...dial(ep, wire), password: ep.password, tls: singboxTls(ep.tls) }),
    mihomo: (ep) => {
      const { tls } = ep;
      return { ...base(ep, wire), password: ep.password, sni: tls.server_name, ...pin(tls) };
    },
  };
}
