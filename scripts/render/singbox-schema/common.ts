// Building blocks of the strict sing-box schema: the shared option structs of sing-box
// 1.12 (valid on 1.13), written from its documented structs (option/inbound.go listen
// fields, option/outbound.go dial fields, option/tls.go, option/v2ray_transport.go,
// option/multiplex.go) and reduced to what boxfleet emits. Every object is closed with
// `additionalProperties: false`: sing-box itself decodes strictly, so an unknown key is a
// config that does not start.

export type Schema = { [key: string]: unknown };

/** A closed object: exactly these keys, the listed ones required. */
export function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, properties, ...(required.length ? { required } : {}) };
}

/**
 * One of several closed objects chosen by `type`. if/then (not oneOf) so a wrong key gives
 * one clear error instead of one per alternative.
 */
export function byType(variants: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(variants) } },
    allOf: Object.entries(variants).map(([type, schema]) => ({
      if: { required: ['type'], properties: { type: { const: type } } },
      then: schema,
    })),
  };
}

export const str: Schema = { type: 'string' };
export const nonEmpty: Schema = { type: 'string', minLength: 1 };
export const bool: Schema = { type: 'boolean' };
export const port: Schema = { type: 'integer', minimum: 0, maximum: 65535 };
export const uint: Schema = { type: 'integer', minimum: 0 };
export const strings: Schema = { type: 'array', items: str };
/** Go duration (`300ms`, `1h30m`); sing-box's parser also takes days (`7d`, `rdrc_timeout`). */
export const duration: Schema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h|d))+$' };
export const uuid: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' };
export const tag = nonEmpty;

/** sing-box "Listable": a single value or an array of them. */
export const listable = (item: Schema): Schema => ({ anyOf: [item, { type: 'array', items: item }] });

export const dnsStrategy: Schema = { enum: ['prefer_ipv4', 'prefer_ipv6', 'ipv4_only', 'ipv6_only'] };

/** `domain_resolver` / `default_domain_resolver`: a DNS server tag or an options object. */
export const domainResolver: Schema = {
  anyOf: [nonEmpty, obj({ server: nonEmpty, strategy: dnsStrategy, disable_cache: bool, rewrite_ttl: uint, client_subnet: str }, ['server'])],
};

export const listenFields: Record<string, Schema> = {
  listen: nonEmpty, listen_port: port, bind_interface: str, routing_mark: listable(uint), reuse_addr: bool,
  netns: str, tcp_fast_open: bool, tcp_multi_path: bool, udp_fragment: bool, udp_timeout: duration,
  tcp_keep_alive: duration, tcp_keep_alive_interval: duration, detour: str,
};

export const dialFields: Record<string, Schema> = {
  detour: nonEmpty, bind_interface: str, inet4_bind_address: str, inet6_bind_address: str,
  routing_mark: listable(uint), reuse_addr: bool, netns: str, connect_timeout: duration, tcp_fast_open: bool,
  tcp_multi_path: bool, udp_fragment: bool, domain_resolver: domainResolver,
  network_strategy: { enum: ['default', 'hybrid', 'fallback'] }, fallback_delay: duration,
};

const tlsVersion: Schema = { enum: ['1.0', '1.1', '1.2', '1.3'] };
const pemLines: Schema = listable(str);

const dns01: Schema = {
  type: 'object',
  required: ['provider'],
  properties: { provider: { enum: ['cloudflare', 'alidns'] } },
  allOf: [
    { if: { properties: { provider: { const: 'cloudflare' } } }, then: obj({ provider: str, api_token: nonEmpty }, ['api_token']) },
    { if: { properties: { provider: { const: 'alidns' } } }, then: obj({ provider: str, access_key_id: nonEmpty, access_key_secret: nonEmpty, region_id: str }, ['access_key_id', 'access_key_secret']) },
  ],
};

export const acme: Schema = obj({
  domain: listable(nonEmpty), data_directory: str, default_server_name: str, email: str, provider: str,
  disable_http_challenge: bool, disable_tls_alpn_challenge: bool, alternative_http_port: port, alternative_tls_port: port,
  external_account: obj({ key_id: str, mac_key: str }), dns01_challenge: dns01,
}, ['domain']);

export const inboundReality: Schema = obj({
  enabled: bool,
  handshake: obj({ server: nonEmpty, server_port: port, ...dialFields }, ['server']),
  private_key: str,
  short_id: listable(str),
  max_time_difference: duration,
}, ['enabled', 'handshake', 'private_key']);

export const inboundTls: Schema = obj({
  enabled: bool, server_name: str, alpn: listable(str), min_version: tlsVersion, max_version: tlsVersion,
  cipher_suites: strings, certificate: pemLines, certificate_path: str, key: pemLines, key_path: str,
  acme, reality: inboundReality,
}, ['enabled']);

export const outboundTls: Schema = obj({
  enabled: bool, disable_sni: bool, server_name: str, insecure: bool, alpn: listable(str),
  min_version: tlsVersion, max_version: tlsVersion, cipher_suites: strings,
  certificate: pemLines, certificate_path: str,
  utls: obj({ enabled: bool, fingerprint: { enum: ['chrome', 'firefox', 'edge', 'safari', '360', 'qq', 'ios', 'android', 'random', 'randomized'] } }),
  reality: obj({ enabled: bool, public_key: str, short_id: str }, ['enabled', 'public_key']),
}, ['enabled']);

/** V2Ray transports: only WebSocket is emitted. */
export const transport: Schema = byType({
  ws: obj({ type: str, path: str, headers: { type: 'object', additionalProperties: listable(str) }, max_early_data: uint, early_data_header_name: str }),
});

const brutal = obj({ enabled: bool, up_mbps: uint, down_mbps: uint });
export const inboundMultiplex: Schema = obj({ enabled: bool, padding: bool, brutal });
export const outboundMultiplex: Schema = obj({
  enabled: bool, protocol: { enum: ['smux', 'yamux', 'h2mux'] }, max_connections: uint, min_streams: uint,
  max_streams: uint, padding: bool, brutal,
});

export const network: Schema = { enum: ['tcp', 'udp'] };
export const salamander: Schema = obj({ type: { const: 'salamander' }, password: nonEmpty }, ['type', 'password']);
export const ss2022Methods = ['2022-blake3-aes-128-gcm', '2022-blake3-aes-256-gcm', '2022-blake3-chacha20-poly1305'];
export const ssMethod: Schema = { enum: [...ss2022Methods, 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20-ietf-poly1305', 'xchacha20-ietf-poly1305', 'none'] };
export const congestion: Schema = { enum: ['cubic', 'new_reno', 'bbr'] };
