// The server's routing policy. Order matters: sing-box takes the first rule that matches.
//   1. sniff          learn the domain of TLS/HTTP/QUIC traffic (no inbound `sniff` since 1.11)
//   2. probe allow    the probe user may reach the probe URL's host and port, nothing else;
//                     `override_address` pins the dial to that host, so a probe that sends
//                     an IP with a faked SNI still reaches only the probe host
//   3. probe reject   everything else the probe user asks for
//   4. resolve        resolve domains now, so the next rules see the addresses
//   5. private reject no proxy user may reach the node's own network: loopback (the
//                     clash API on 127.0.0.1:9090), link-local (cloud metadata at
//                     169.254.169.254), RFC 1918/4193 — a domain that resolves there is
//                     caught too because step 4 already resolved it
//   6. extra reject   ranges `ip_is_private` does not cover (sing-box's IsPublicAddr only
//                     excludes private, loopback, link-local, multicast, unspecified):
//                     0.0.0.0/8 (reaches the local host on Linux) and 100.64.0.0/10
//                     (carrier-grade NAT; Alibaba Cloud's metadata is 100.100.100.200)
import { ipVersion } from '../../core/ip.ts';
import type { FleetSettings } from '../../model/types.ts';
import { PROBE_USER } from '../../secrets/index.ts';
import type { JsonObject, RouteRule, SingBoxConfig } from './types.ts';

export const DIRECT = 'direct';

/** Ranges rejected in addition to `ip_is_private` (see the header). */
export const EXTRA_REJECTED_CIDRS = ['0.0.0.0/8', '100.64.0.0/10'];

export function probeTarget(settings: FleetSettings): { host: string; port: number } {
  const url = new URL(settings.probe.url);
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  // URL keeps IPv6 literals in brackets; sing-box wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function routeRules(settings: FleetSettings): RouteRule[] {
  const probe = probeTarget(settings);
  return [
    { action: 'sniff' },
    {
      // A probe URL may name an address: a domain rule would never match a connection to it.
      auth_user: [PROBE_USER], ...(ipVersion(probe.host) ? { ip_cidr: [probe.host] } : { domain: [probe.host] }), port: [probe.port],
      action: 'route', outbound: DIRECT, override_address: probe.host,
    },
    { auth_user: [PROBE_USER], action: 'reject' },
    { action: 'resolve' },
    { ip_is_private: true, action: 'reject' },
    { ip_cidr: EXTRA_REJECTED_CIDRS, action: 'reject' },
  ];
}

export function route(settings: FleetSettings): SingBoxConfig['route'] {
  return { rules: routeRules(settings), final: DIRECT };
}

/** A server needs one outbound: the plain internet. No block/dns outbounds (removed in 1.13). */
export function outbounds(): JsonObject[] {
  return [{ type: 'direct', tag: DIRECT }];
}
