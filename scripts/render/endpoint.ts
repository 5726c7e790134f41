// What a client needs to reach one inbound of one node as one identity (a user, or the
// probe user): the single source that client profiles, share links, the probe and the
// probe manifest all read, so they can never disagree with each other. The facts each
// protocol adds come from its descriptor (scripts/protocols/<type>/).
import type { CredentialStore } from '../secrets/index.ts';
import type { Inbound, Node } from '../model/types.ts';
import { addressOf } from '../model/inbound-facts.ts';
import { PROTOCOLS, protocolOf } from '../protocols/registry.ts';
import type { Endpoint, Identity } from '../protocols/kit/endpoint.ts';

export type { Endpoint, EndpointTls, Identity } from '../protocols/kit/endpoint.ts';

export const PROTOCOL_NAMES = Object.fromEntries(Object.entries(PROTOCOLS).map(([t, p]) => [t, p.name])) as Record<Inbound['type'], string>;

/** Endpoints of every inbound of a node, in the node's inbound order. */
export function endpointsOf(node: Node, store: CredentialStore, who: Identity): Endpoint[] {
  const seen = new Map<string, number>();
  for (const i of node.inbounds) seen.set(i.type, (seen.get(i.type) ?? 0) + 1);
  return node.inbounds.map((inbound) => {
    const proto = PROTOCOL_NAMES[inbound.type];
    const label = `${node.title} · ${proto}${(seen.get(inbound.type) ?? 0) > 1 ? ` ${inbound.port}` : ''}`;
    return endpointOf(node, inbound, store, who, label);
  });
}

export function endpointOf(node: Node, inbound: Inbound, store: CredentialStore, who: Identity, label: string): Endpoint {
  const keys = store.node(node.name, node.rev);
  return {
    node, inbound, label,
    server: inbound.public_host ?? addressOf(node, inbound),
    port: inbound.public_port ?? inbound.port,
    ...protocolOf(inbound).endpoint(inbound, node, keys, who),
  };
}

/** Identity of the probe user, as nodes accept it. */
export function probeIdentity(store: CredentialStore, rev: number, name: string): Identity {
  const c = store.probe(rev);
  return { name, uuid: c.uuid, password: c.password, ss2022Key: (m) => c.ss2022Key(m) };
}

export function userIdentity(store: CredentialStore, name: string, rev: number): Identity {
  const c = store.user(name, rev);
  return { name, uuid: c.uuid, password: c.password, ss2022Key: (m) => c.ss2022Key(m) };
}
