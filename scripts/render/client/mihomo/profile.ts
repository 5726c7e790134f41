// A complete mihomo (Clash Meta) profile: proxies, failover groups, rules, DNS.
import { durationSeconds } from '../../../model/time.ts';
import type { FleetSettings } from '../../../model/types.ts';
import type { Endpoint } from '../../endpoint.ts';
import { autoGroupOf } from '../endpoints.ts';
import { regionsInOrder } from '../order.ts';
import { mihomoRouting } from '../routing.ts';
import { mihomoProxy } from './proxies.ts';

export const PROXY = 'proxy';
export const AUTO = 'auto';
export const FALLBACK = 'fallback';

export function mihomoProfileOf(settings: FleetSettings, endpoints: readonly Endpoint[]): Record<string, unknown> {
  if (endpoints.length === 0) throw new Error('no node to put into the profile');
  const sub = settings.subscription;
  const names = endpoints.map((e) => e.label);
  const check = { url: sub.url_test.url, interval: durationSeconds(sub.url_test.interval) };
  const regions = regionsInOrder(endpoints.map((e) => e.node)).map((r) => ({
    name: autoGroupOf(r), type: 'url-test', proxies: endpoints.filter((e) => e.node.region === r).map((e) => e.label),
    ...check, tolerance: sub.url_test.tolerance_ms, lazy: true,
  }));
  const routing = mihomoRouting(sub.routing, sub.rule_sets, PROXY);
  const cn = sub.routing === 'cn-direct';
  return {
    'mixed-port': 7890,
    'allow-lan': false,
    mode: 'rule',
    'log-level': 'warning',
    ipv6: true,
    'unified-delay': true,
    'tcp-concurrent': true,
    dns: {
      enable: true,
      ipv6: true,
      'enhanced-mode': 'fake-ip',
      'fake-ip-range': '198.18.0.1/16',
      // Only IP-addressed DoH servers: no bootstrap resolution can be poisoned. For
      // mainland users a domestic resolver answers proxy-server names (reachable before
      // the tunnel is up, and not blocked).
      'default-nameserver': cn ? ['223.5.5.5', '119.29.29.29'] : ['1.1.1.1', '8.8.8.8'],
      // cn-direct: foreign names are resolved through the proxy group (`#proxy`), where the
      // answer cannot be poisoned; mainland names by a domestic resolver for nearby CDNs.
      nameserver: cn ? [`https://1.1.1.1/dns-query#${PROXY}`, `https://8.8.8.8/dns-query#${PROXY}`] : ['https://1.1.1.1/dns-query', 'https://8.8.8.8/dns-query'],
      ...(cn ? { 'nameserver-policy': { 'rule-set:cn-domain': ['https://223.5.5.5/dns-query', 'https://1.12.12.12/dns-query'] } } : {}),
      'proxy-server-nameserver': cn ? ['https://223.5.5.5/dns-query', 'https://1.12.12.12/dns-query'] : ['https://1.1.1.1/dns-query', 'https://8.8.8.8/dns-query'],
    },
    proxies: endpoints.map(mihomoProxy),
    'proxy-groups': [
      { name: PROXY, type: 'select', proxies: [AUTO, FALLBACK, ...regions.map((g) => g.name), ...names] },
      // lazy: test only while the group is in use, so an idle phone does not wake up.
      { name: AUTO, type: 'url-test', proxies: names, ...check, tolerance: sub.url_test.tolerance_ms, lazy: true },
      // Profile order (health-ranked by the site) decides: first working node wins.
      { name: FALLBACK, type: 'fallback', proxies: names, ...check, lazy: true },
      ...regions,
    ],
    ...(routing['rule-providers'] ? { 'rule-providers': routing['rule-providers'] } : {}),
    rules: routing.rules,
  };
}
