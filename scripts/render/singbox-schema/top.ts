// Top-level blocks: log, dns (1.12 typed servers only), route (rule actions only; no
// geoip/geosite), experimental, and the root object itself.
import {
  bool, byType, dialFields, dnsStrategy, domainResolver, duration, listable, nonEmpty, obj,
  outboundTls, port, str, tag, uint, type Schema,
} from './common.ts';
import { inbound } from './inbounds.ts';
import { outbound } from './outbounds.ts';

const log = obj({
  disabled: bool, level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'] },
  output: str, timestamp: bool,
});

const dnsServer = byType({
  local: obj({ type: str, tag, ...dialFields }, ['tag']),
  udp: obj({ type: str, tag, server: nonEmpty, server_port: port, ...dialFields }, ['tag', 'server']),
  tcp: obj({ type: str, tag, server: nonEmpty, server_port: port, ...dialFields }, ['tag', 'server']),
  tls: obj({ type: str, tag, server: nonEmpty, server_port: port, tls: outboundTls, ...dialFields }, ['tag', 'server']),
  quic: obj({ type: str, tag, server: nonEmpty, server_port: port, tls: outboundTls, ...dialFields }, ['tag', 'server']),
  https: obj({ type: str, tag, server: nonEmpty, server_port: port, path: str, headers: { type: 'object' }, tls: outboundTls, ...dialFields }, ['tag', 'server']),
  h3: obj({ type: str, tag, server: nonEmpty, server_port: port, path: str, headers: { type: 'object' }, tls: outboundTls, ...dialFields }, ['tag', 'server']),
  fakeip: obj({ type: str, tag, inet4_range: str, inet6_range: str }, ['tag']),
});

// DNS rules: matching items plus the route/reject/predefined actions; the deprecated
// `outbound` item is absent (fatal on a 1.13 CLI core).
const dnsRule = obj({
  inbound: listable(str), ip_version: { enum: [4, 6] }, query_type: listable({ type: ['string', 'integer'] }),
  network: listable(str), domain: listable(str), domain_suffix: listable(str), domain_keyword: listable(str),
  domain_regex: listable(str), rule_set: listable(str), clash_mode: str, invert: bool,
  action: { enum: ['route', 'route-options', 'reject', 'predefined'] },
  server: nonEmpty, strategy: dnsStrategy, disable_cache: bool, rewrite_ttl: uint, client_subnet: str,
  method: { enum: ['default', 'drop'] }, no_drop: bool, rcode: str, answer: listable(str), ns: listable(str), extra: listable(str),
});

const dns = obj({
  servers: { type: 'array', items: dnsServer }, rules: { type: 'array', items: dnsRule }, final: nonEmpty,
  strategy: dnsStrategy, disable_cache: bool, disable_expire: bool, independent_cache: bool,
  cache_capacity: uint, reverse_mapping: bool, client_subnet: str,
});

const RULE_ITEMS: Record<string, Schema> = {
  inbound: listable(str), ip_version: { enum: [4, 6] }, network: listable({ enum: ['tcp', 'udp', 'icmp'] }),
  auth_user: listable(str), protocol: listable(str), client: listable(str), domain: listable(str),
  domain_suffix: listable(str), domain_keyword: listable(str), domain_regex: listable(str),
  source_ip_cidr: listable(str), source_ip_is_private: bool, ip_cidr: listable(str), ip_is_private: bool,
  source_port: listable(port), source_port_range: listable(str), port: listable(port), port_range: listable(str),
  process_name: listable(str), process_path: listable(str), package_name: listable(str),
  rule_set: listable(str), rule_set_ip_cidr_match_source: bool, clash_mode: str, invert: bool,
};

const ROUTE_OPTIONS: Record<string, Schema> = {
  override_address: nonEmpty, override_port: port, network_strategy: { enum: ['default', 'hybrid', 'fallback'] },
  fallback_delay: duration, udp_disable_domain_unmapping: bool, udp_connect: bool, udp_timeout: duration,
};

/** Keys each rule action accepts besides the matching items (route/rule_action.md). */
const ACTION_KEYS: Record<string, Record<string, Schema>> = {
  route: { outbound: nonEmpty, ...ROUTE_OPTIONS },
  'route-options': ROUTE_OPTIONS,
  reject: { method: { enum: ['default', 'drop'] }, no_drop: bool },
  'hijack-dns': {},
  sniff: { sniffer: listable(str), timeout: duration },
  resolve: { server: nonEmpty, strategy: dnsStrategy, disable_cache: bool, rewrite_ttl: uint, client_subnet: str },
};

const allowedKeys = (action: string) => ['action', ...Object.keys(RULE_ITEMS), ...Object.keys(ACTION_KEYS[action])];

const routeRule: Schema = {
  ...obj({ ...RULE_ITEMS, action: { enum: Object.keys(ACTION_KEYS) }, ...Object.assign({}, ...Object.values(ACTION_KEYS)) }),
  allOf: [
    // No `action` means `route`, which needs an outbound.
    { if: { not: { required: ['action'] } }, then: { required: ['outbound'], propertyNames: { enum: allowedKeys('route') } } },
    { if: { required: ['action'], properties: { action: { const: 'route' } } }, then: { required: ['outbound'] } },
    ...Object.keys(ACTION_KEYS).map((action) => ({
      if: { required: ['action'], properties: { action: { const: action } } },
      then: { propertyNames: { enum: allowedKeys(action) } },
    })),
  ],
};

const ruleSet = byType({
  remote: obj({ type: str, tag, format: { enum: ['binary', 'source'] }, url: nonEmpty, download_detour: nonEmpty, update_interval: duration }, ['tag', 'format', 'url']),
  local: obj({ type: str, tag, format: { enum: ['binary', 'source'] }, path: nonEmpty }, ['tag', 'format', 'path']),
});

const route = obj({
  rules: { type: 'array', items: routeRule }, rule_set: { type: 'array', items: ruleSet }, final: nonEmpty,
  auto_detect_interface: bool, default_interface: str, default_mark: uint, default_domain_resolver: domainResolver,
});

const experimental = obj({
  cache_file: obj({ enabled: bool, path: str, cache_id: str, store_fakeip: bool, store_rdrc: bool, rdrc_timeout: duration }),
  clash_api: obj({
    external_controller: str, external_ui: str, external_ui_download_url: str, external_ui_download_detour: str,
    secret: str, default_mode: str, access_control_allow_origin: listable(str), access_control_allow_private_network: bool,
  }),
  // option.V2RayAPIOptions (only builds with the with_v2ray_api tag run it): the stats build's counters.
  v2ray_api: obj({ listen: str, stats: obj({ enabled: bool, inbounds: listable(str), outbounds: listable(str), users: listable(str) }) }),
});

export const singBoxSchema: Schema = {
  $id: 'https://boxfleet.dev/schema/sing-box-subset.json',
  ...obj({
    $schema: str, log, dns,
    inbounds: { type: 'array', items: inbound },
    outbounds: { type: 'array', items: outbound },
    route, experimental,
  }),
};
