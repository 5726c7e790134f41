// What a client needs to reach one inbound of one node as one identity (a user, or the
// probe user): the single shape that client profiles, share links, the probe and the probe
// manifest all read, so they can never disagree with each other.
import type { Inbound, InboundOf, Node } from '../../model/types.ts';

export interface Identity {
  name: string;
  uuid: string;
  password: string;
  ss2022Key(method: string): string;
}

export interface EndpointTls {
  /** SNI the client sends (and, for Reality, the borrowed site's name). */
  server_name: string;
  /** PEM of a self-signed certificate to pin; absent when normal CA verification applies. */
  certificate?: string;
  alpn?: string[];
  reality?: { public_key: string; short_id: string };
}

/** What every endpoint has, whatever its protocol. */
export interface EndpointBase {
  node: Node;
  inbound: Inbound;
  /** Name people see in apps, unique within a profile: "Tokyo 1 · Reality". */
  label: string;
  server: string;
  port: number;
}

export interface WsFacts { path: string; host: string }

/**
 * Every fact any protocol adds, each optional: the protocol-agnostic view that the probe
 * manifest and the probe read. Each protocol's descriptor declares its own facts type with
 * the fields it always sets, and its singbox/mihomo/link functions receive exactly that.
 */
export interface EndpointFacts {
  tls?: EndpointTls;
  /** WebSocket transport (vless-ws, vmess-ws). */
  ws?: WsFacts;
  uuid?: string;
  password?: string;
  flow?: 'xtls-rprx-vision';
  shadowsocks?: { method: InboundOf<'shadowsocks'>['method']; /** `<server key>:<user key>` for multi-user 2022. */ password: string };
  hysteria2?: { obfs_password?: string; up_mbps?: number; down_mbps?: number };
  tuic?: { congestion_control: string };
}

export type Endpoint = EndpointBase & EndpointFacts;

/** An endpoint of one protocol: the base and the facts its own descriptor produced. */
export type EndpointOf<F extends EndpointFacts> = EndpointBase & F;

/** A UUID over WebSocket inside the node's TLS (vless-ws, vmess-ws). */
export interface UuidWsFacts extends EndpointFacts { uuid: string; tls: EndpointTls; ws: WsFacts }

/**
 * An inbound reached through a CDN (public_host set) is verified against the CDN's name;
 * otherwise against the node's certificate name, pinned when it is self-signed.
 */
export function tlsOf(node: Node, inbound: Inbound, alpn?: string[]): EndpointTls {
  const tls = node.tls!;
  if (inbound.public_host && inbound.public_host !== node.address) return { server_name: inbound.public_host, alpn };
  return { server_name: tls.server_name, certificate: tls.mode === 'self-signed' ? tls.certificate : undefined, alpn };
}
