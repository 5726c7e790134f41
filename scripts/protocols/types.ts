// One protocol, everything about it: a descriptor per folder (scripts/protocols/<type>/),
// listed once in registry.ts, read by every stage that needs to know a protocol. The rest
// of the pipeline asks the registry and stays protocol-agnostic.
import type { Inbound, Node } from '../model/types.ts';
import type { NodeCredentials } from '../secrets/index.ts';
import type { Codec } from './kit/codec.ts';
import type { EndpointFacts, EndpointOf, Identity } from './kit/endpoint.ts';
import type { MihomoProxy } from './kit/mihomo.ts';
import type { InboundContext, SingBoxInbound } from './kit/server.ts';
import type { SingBoxOutbound } from './kit/singbox.ts';

/**
 * - `tls-hello`: a TLS ClientHello for `serverName` must be answered (Reality hands it to
 *   the borrowed site);
 * - `node-tls`: a handshake verified against the node's pinned certificate when it is
 *   self-signed, else a TCP connect (an ACME certificate may not be issued yet);
 * - `tcp`: a TCP connect;
 * - `udp-listening`: QUIC cannot be checked from here: the node says it listens.
 */
export type Health<T> = { kind: 'tls-hello'; serverName(inbound: T): string } | { kind: 'node-tls' | 'tcp' | 'udp-listening' };

/** A client for the probe user (`who`) asking the proxy to reach `host`:`port`. */
export type NativeClient = (who: { uuid?: string; password?: string }, host: string, port: number) => Codec;

/**
 * T: the inbound it serves; F: the facts its endpoint always sets, which its singbox,
 * mihomo and link functions then receive (typed, so nothing is checked at run time).
 */
export interface Protocol<T extends Inbound = Inbound, F extends EndpointFacts = EndpointFacts> {
  type: T['type'];
  /** Name people see in apps: "Reality", "SS2022". */
  name: string;
  /** How the deployer checks it from outside after a restart. */
  health: Health<T>;
  /**
   * How the probe reaches the proxy layer: the protocol's own client in this folder (runs
   * without sing-box, over the TLS and WebSocket layers the probe opened), or the sing-box binary.
   */
  probe: 'sing-box' | { native: NativeClient };
  /** The node's sing-box inbound. */
  server(inbound: T, ctx: InboundContext): SingBoxInbound;
  /** What a client needs beyond server and port, for one identity. */
  endpoint(inbound: T, node: Node, keys: NodeCredentials, who: Identity): F;
  /** The sing-box client outbound. */
  singbox(ep: EndpointOf<F>): SingBoxOutbound;
  /** The mihomo proxy. */
  mihomo(ep: EndpointOf<F>): MihomoProxy;
  /** The share link (base64 subscription); never asked for a pinned certificate. */
  link(ep: EndpointOf<F>): string;
}
