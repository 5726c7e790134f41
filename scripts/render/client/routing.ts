// Routing presets (fleet.yaml `subscription.routing`), for both client families.
// `global`: everything through the proxy except private ranges. `cn-direct`: mainland
// China domains and addresses go direct, using rule sets the client downloads itself
// (through the proxy: the sets live on GitHub, which is unreliable from mainland China).
// Only the URLs are written here (fleet.yaml `subscription.rule_sets`, defaulting to the
// projects' own files); nothing in boxfleet fetches them.
import type { FleetSettings } from '../../model/types.ts';

export type RoutingPreset = FleetSettings['subscription']['routing'];
export type RuleSetUrls = FleetSettings['subscription']['rule_sets'];

const MIHOMO_BEHAVIOR = { 'cn-domain': 'domain', 'cn-ip': 'ipcidr' } as const;

/** Rule sets refresh once a day: they change slowly and every download costs the user. */
const REFRESH = { singbox: '24h', mihomoSeconds: 86400 };

export interface SingBoxRouting {
  rule_set: Record<string, unknown>[];
  /** Route rules that come after sniff / hijack-dns / private ranges. */
  rules: Record<string, unknown>[];
  /** DNS rules: which names the local resolver answers. */
  dnsRules: Record<string, unknown>[];
}

export function singboxRouting(preset: RoutingPreset, urls: RuleSetUrls, proxyTag: string, localDns: string): SingBoxRouting {
  if (preset === 'global') return { rule_set: [], rules: [], dnsRules: [] };
  // A fixed order, whatever order fleet.yaml lists the URLs in.
  const tags = ['geosite-cn', 'geoip-cn'] as const;
  const rule_set = tags.map((tag) => ({
    type: 'remote', tag, format: 'binary', url: urls['sing-box'][tag], download_detour: proxyTag, update_interval: REFRESH.singbox,
  }));
  return {
    rule_set,
    rules: [{ rule_set: [...tags], outbound: 'direct' }],
    // Chinese names resolved by the local resolver get addresses close to the user.
    dnsRules: [{ rule_set: ['geosite-cn'], server: localDns }],
  };
}

export interface MihomoRouting {
  'rule-providers'?: Record<string, Record<string, unknown>>;
  rules: string[];
}

export function mihomoRouting(preset: RoutingPreset, urls: RuleSetUrls, proxyGroup: string): MihomoRouting {
  // GEOIP,lan is built in; any other GEOIP code makes mihomo download its GeoIP database.
  const head = ['GEOIP,lan,DIRECT,no-resolve'];
  const tail = [`MATCH,${proxyGroup}`];
  if (preset === 'global') return { rules: [...head, ...tail] };
  const providers: Record<string, Record<string, unknown>> = {};
  for (const name of ['cn-domain', 'cn-ip'] as const) {
    providers[name] = { type: 'http', behavior: MIHOMO_BEHAVIOR[name], format: 'mrs', url: urls.mihomo[name], interval: REFRESH.mihomoSeconds, proxy: proxyGroup };
  }
  return {
    'rule-providers': providers,
    rules: [...head, 'RULE-SET,cn-domain,DIRECT', 'RULE-SET,cn-ip,DIRECT', ...tail],
  };
}
