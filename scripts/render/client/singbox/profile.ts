// A complete sing-box client profile (1.12 format, also valid on 1.13): the official apps
// import a full config as a "remote profile", sing-box has no node-list subscription.
import { goDuration } from '../../../model/time.ts';
import type { FleetSettings } from '../../../model/types.ts';
import type { Endpoint } from '../../endpoint.ts';
import { autoGroupOf } from '../endpoints.ts';
import { regionsInOrder } from '../order.ts';
import { singboxRouting } from '../routing.ts';
import { LOCAL_DNS, singboxOutbound } from './outbounds.ts';

export const PROXY = 'proxy';
export const AUTO = 'auto';
export const DIRECT = 'direct';
const REMOTE_DNS = 'remote';

export function singboxProfileOf(settings: FleetSettings, endpoints: readonly Endpoint[]): Record<string, unknown> {
  if (endpoints.length === 0) throw new Error('no node to put into the profile');
  const sub = settings.subscription;
  const routing = singboxRouting(sub.routing, sub.rule_sets, PROXY, LOCAL_DNS);
  const tags = endpoints.map((e) => e.label);
  const urltest = (tag: string, outbounds: string[]) => ({
    type: 'urltest', tag, outbounds,
    url: sub.url_test.url, interval: goDuration(sub.url_test.interval), tolerance: sub.url_test.tolerance_ms,
  });
  const regions = regionsInOrder(endpoints.map((e) => e.node));
  const regionGroups = regions.map((r) => urltest(autoGroupOf(r), endpoints.filter((e) => e.node.region === r).map((e) => e.label)));
  return {
    log: { level: 'warn', timestamp: true },
    dns: {
      servers: [
        // Names are resolved through the proxy (the local network may lie); only proxy
        // servers' own names use the system resolver, which must work before the tunnel does.
        { type: 'https', tag: REMOTE_DNS, server: '1.1.1.1', detour: PROXY },
        { type: 'local', tag: LOCAL_DNS },
      ],
      ...(routing.dnsRules.length ? { rules: routing.dnsRules } : {}),
      final: REMOTE_DNS,
      strategy: 'prefer_ipv4',
    },
    inbounds: [
      { type: 'tun', tag: 'tun-in', address: ['172.19.0.1/30', 'fdfe:dcba:9876::1/126'], auto_route: true, strict_route: true, stack: 'mixed' },
      { type: 'mixed', tag: 'mixed-in', listen: '127.0.0.1', listen_port: 2080 },
    ],
    outbounds: [
      // Manual choice stays possible in every app; "auto" (lowest latency) is the default.
      { type: 'selector', tag: PROXY, outbounds: [AUTO, ...regionGroups.map((g) => g.tag), ...tags], default: AUTO, interrupt_exist_connections: true },
      urltest(AUTO, tags),
      ...regionGroups,
      ...endpoints.map(singboxOutbound),
      // No detour ever points here: 1.12+ rejects a detour to an empty direct outbound.
      { type: 'direct', tag: DIRECT },
    ],
    route: {
      ...(routing.rule_set.length ? { rule_set: routing.rule_set } : {}),
      rules: [
        { action: 'sniff' },
        { protocol: 'dns', action: 'hijack-dns' },
        { ip_is_private: true, outbound: DIRECT },
        ...routing.rules,
      ],
      final: PROXY,
      auto_detect_interface: true,
      default_domain_resolver: LOCAL_DNS,
    },
  };
}
