// A node's sing-box server config: a pure function of the fleet model, the derived
// credentials and the clock (who is active, who is in a grace period).
import type { Fleet, Inbound, Node } from '../../model/types.ts';
import { PROBE_USER, type CredentialStore } from '../../secrets/index.ts';
import type { Identity } from '../endpoint.ts';
import { stableJson } from '../json.ts';
import { protocolOf } from '../../protocols/registry.ts';
import { outbounds, route } from './route.ts';
import { checkSelfSigned, inboundTls } from './tls.ts';
import type { InboundContext, SingBoxConfig, SingBoxInbound, V2RayApi } from './types.ts';
import { identitiesOfNode } from './users.ts';

export type { SingBoxConfig } from './types.ts';
export { identitiesOfNode, PREVIOUS_SUFFIX, userOfEntry } from './users.ts';

/** Where clash_api listens: loopback only, reached over SSH by monitoring. */
export const CLASH_API_LISTEN = '127.0.0.1:9090';
/** Where the stats build's V2Ray API (per-user byte counters) listens: loopback only. */
export const V2RAY_API_LISTEN = '127.0.0.1:9091';

export interface RenderOptions {
  /**
   * Refuse a self-signed certificate that was not made from the node's derived key
   * (default true). `fleet plan` turns it off: it renders with a throwaway secret, so no
   * committed certificate could match, and the plan's shape does not depend on keys.
   */
  matchCertificateKey?: boolean;
}

export function renderNodeConfig(fleet: Fleet, node: Node, store: CredentialStore, now: Date, options: RenderOptions = {}): SingBoxConfig {
  return buildConfig(fleet, node, store, identitiesOfNode(fleet, node, store, now), options);
}

/** Stable JSON of every enabled node's config, in node-name order. */
export function renderNodeConfigs(fleet: Fleet, store: CredentialStore, now: Date): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of fleet.nodes) {
    if (node.enabled) out.set(node.name, stableJson(renderNodeConfig(fleet, node, store, now)));
  }
  return out;
}

export function buildConfig(fleet: Fleet, node: Node, store: CredentialStore, identities: readonly Identity[], options: RenderOptions = {}): SingBoxConfig {
  const keys = store.node(node.name, node.rev);
  checkSelfSigned(fleet, node, keys, options.matchCertificateKey ?? true);
  const ctx: InboundContext = {
    node, keys, identities,
    tls: (alpn) => inboundTls(node, node.tls!, alpn),
  };
  return {
    // warn: no per-connection records (those are info), so no user's traffic is logged;
    // journald adds its own timestamps.
    log: { level: 'warn', timestamp: false },
    inbounds: node.inbounds.map((inbound) => inboundOf(inbound, ctx)),
    outbounds: outbounds(),
    route: route(fleet.settings),
    // No cache_file: a server has no selector, fake-ip or rule-set state worth persisting.
    experimental: {
      clash_api: { external_controller: CLASH_API_LISTEN, secret: keys.clashApiSecret },
      ...(fleet.settings.singbox.build === 'stats' ? { v2ray_api: statsApi(identities) } : {}),
    },
  };
}

/**
 * The stats build counts bytes per config entry name: every user's entries (a rotation's
 * `~prev` credentials too, added to that user by whoever reads them), never the probe's,
 * whose traffic is the fleet's own.
 */
function statsApi(identities: readonly Identity[]): V2RayApi {
  const users = [...new Set(identities.map((i) => i.name).filter((n) => n !== PROBE_USER))].sort();
  return { listen: V2RAY_API_LISTEN, stats: { enabled: true, users } };
}

export function inboundOf(inbound: Inbound, ctx: InboundContext): SingBoxInbound {
  return protocolOf(inbound).server(inbound, ctx);
}
