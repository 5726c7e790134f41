// The shapes of a node's sing-box config, as plain objects. Only what boxfleet emits is
// typed; the strict JSON Schema in ../singbox-schema/ is what checks the result.
import type { Identity } from '../endpoint.ts';
import type { NodeCredentials } from '../../secrets/index.ts';
import type { Node } from '../../model/types.ts';

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

export interface RouteRule extends JsonObject { action: 'sniff' | 'route' | 'reject' | 'resolve' }

export interface SingBoxConfig {
  log: { level: 'warn'; timestamp: false };
  inbounds: SingBoxInbound[];
  outbounds: JsonObject[];
  route: { rules: RouteRule[]; final: string };
  experimental: { clash_api: { external_controller: string; secret: string } };
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
