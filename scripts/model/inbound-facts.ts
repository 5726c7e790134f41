// What the model needs to know about a protocol (its port space, whether it needs the
// node's certificate), read from the composed node schema, where each protocol folder's
// fragment put it: the model stays below the protocols and still has one truth.
import { readProjectJson } from '../core/paths.ts';
import { inboundFacts, type JsonSchema } from './schema/compose.ts';
import type { Inbound, InboundType, Node } from './types.ts';

const FACTS = inboundFacts(readProjectJson('scripts/model/schema/node.schema.json') as JsonSchema);

export type Transport = 'tcp' | 'udp';

export const INBOUND_TYPES: readonly InboundType[] = [...FACTS.keys()] as InboundType[];

/** Where the inbound's port listens (the firewall opens these): TCP 443 and UDP 443 are separate ports. */
export function transportsOf(type: InboundType): readonly Transport[] {
  return FACTS.get(type)!.transports;
}

/**
 * The port space an inbound is checked in and monitored by: TCP when it listens on TCP at
 * all, else UDP (Hysteria2, TUIC). Shadowsocks' UDP relay shares its TCP port number.
 */
export function transportOf(type: InboundType): Transport {
  return transportsOf(type).includes('tcp') ? 'tcp' : 'udp';
}

/** Needs the node's `tls:` block (Reality brings its own handshake, Shadowsocks none). */
export function needsNodeTls(type: InboundType): boolean {
  return FACTS.get(type)!.node_tls;
}

/** The node address clients dial for an inbound: its own `address:` (one of the node's `addresses`), else the node's. */
export function addressOf(node: Pick<Node, 'address'>, inbound: Pick<Inbound, 'address'>): string {
  return inbound.address ?? node.address;
}
