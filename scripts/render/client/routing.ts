// Routing presets (fleet.yaml `subscription.routing`), for both client families.
// `global`: everything through the proxy except private ranges. `cn-direct`: mainland
// China domains and addresses go direct, using rule sets the client downloads itself
// (through the proxy: the sets live on GitHub, which is unreliable from mainland China).
// Only the URLs are written here; nothing in boxfleet fetches them.
import type { FleetSettings } from '../../model/types.ts';

export type RoutingPreset = FleetSettings['subscription']['routing'];

export const SINGBOX_RULE_SETS = {
  'geosite-cn': 'https://raw.githubusercontent.com/SagerNet/sing-geosite/rule-set/geosite-cn.srs',
  'geoip-cn': 'https://raw.githubusercontent.com/SagerNet/sing-geoip/rule-set/geoip-cn.srs',
} as const;

export const MIHOMO_RULE_PROVIDERS = {
  'cn-domain': { behavior: 'domain', url: 'https://raw.githubusercontent.com/MetaCubeX/meta-rules-dat/meta/geo/geosite/cn.mrs' },
  'cn-ip': { behavior: 'ipcidr', url: 'https://raw.githubusercontent.com/MetaCubeX/meta-rules-dat/meta/geo/geoip/cn.mrs' },
} as const;

/** Rule sets refresh once a day: they change slowly and every download costs the user. */
const REFRESH = { singbox: '24h', mihomoSeconds: 86400 };

export interface SingBoxRouting {
  rule_set: Record<string, unknown>[];
  /** Route rules that come after sniff / hijack-dns / private ranges. */
  rules: Record<string, unknown>[];
  /** DNS rules: which names the local resolver answers. */
  dnsRules: Record<string, unknown>[];
}

export function singboxRouting(preset: RoutingPreset, proxyTag: string, localDns: string): SingBoxRouting {
  if (preset === 'global') return { rule_set: [], rules: [], dnsRules: [] };
  const rule_set = Object.entries(SINGBOX_RULE_SETS).map(([tag, url]) => ({
    type: 'remote', tag, format: 'binary', url, download_detour: proxyTag, update_interval: REFRESH.singbox,
  }));
  return {
    rule_set,
    rules: [{ rule_set: Object.keys(SINGBOX_RULE_SETS), outbound: 'direct' }],
    // Chinese names resolved by the local resolver get addresses close to the user.
    dnsRules: [{ rule_set: ['geosite-cn'], server: localDns }],
  };
}

export interface MihomoRouting {
  'rule-providers'?: Record<string, Record<string, unknown>>;
  rules: string[];
}

export function mihomoRouting(preset: RoutingPreset, proxyGroup: string): MihomoRouting {
  // GEOIP,lan is built in; any other GEOIP code makes mihomo download its GeoIP database.
  const head = ['GEOIP,lan,DIRECT,no-resolve'];
  const tail = [`MATCH,${proxyGroup}`];
  if (preset === 'global') return { rules: [...head, ...tail] };
  const providers: Record<string, Record<string, unknown>> = {};
  for (const [name, p] of Object.entries(MIHOMO_RULE_PROVIDERS)) {
    providers[name] = { type: 'http', behavior: p.behavior, format: 'mrs', url: p.url, interval: REFRESH.mihomoSeconds, proxy: proxyGroup };
  }
  return {
    'rule-providers': providers,
    rules: [...head, 'RULE-SET,cn-domain,DIRECT', 'RULE-SET,cn-ip,DIRECT', ...tail],
  };
}
