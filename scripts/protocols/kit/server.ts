// What a protocol's server mapper works with: the node's derived keys, the identities the
// node accepts, the TLS block the model asks for, and the inbound shape it returns.
import type { Node } from '../../model/types.ts';
import type { NodeCredentials } from '../../secrets/index.ts';
import type { Identity } from './endpoint.ts';

export type JsonObject = { [key: string]: unknown };

export interface InboundTls extends JsonObject {
  enabled: true;
  server_name: string;
}

export interface SingBoxInbound extends JsonObject {
  type: string;
  tag: string;
  listen: string;
  listen_port: number;
}

/**
 * What every protocol mapper needs for one inbound: the node, its derived keys, the
 * identities the node accepts (users in name order, previous credentials during a grace
 * period, the probe user last) and the TLS block the model asks for.
 */
export interface InboundContext {
  node: Node;
  keys: NodeCredentials;
  identities: readonly Identity[];
  /** The node's TLS block for a certificate-based inbound; QUIC types pass ['h3']. */
  tls(alpn?: string[]): InboundTls;
}

/** sing-box listens on all IPv4 and IPv6 addresses with `::`. */
export const LISTEN_ALL = '::';

/** The fields every server inbound starts with: its sing-box type, tag and listening port. */
export function listening(wire: string, inbound: { tag: string; port: number }): SingBoxInbound {
  return { type: wire, tag: inbound.tag, listen: LISTEN_ALL, listen_port: inbound.port };
}
