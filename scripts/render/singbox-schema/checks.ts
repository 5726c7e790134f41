// Rules a JSON Schema cannot express (or expresses badly), from the reference's pitfall
// list (§0, §10): key formats sing-box only checks when it starts, cross-references
// between tags, and the 1.13 "missing domain resolver" rule.
import { ipVersion } from '../../core/ip.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const objects = (v: unknown): Obj[] => list(v).filter(isObj);

const SS2022_BYTES: Record<string, number> = {
  '2022-blake3-aes-128-gcm': 16, '2022-blake3-aes-256-gcm': 32, '2022-blake3-chacha20-poly1305': 32,
};

/** X25519 keys: base64url without padding, 43 characters, 32 bytes. */
function isRealityKey(v: unknown): boolean {
  return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v) && Buffer.from(v, 'base64url').length === 32;
}

/** Hex, even length, at most 16 characters (sing-box decodes into an 8-byte array). */
function isShortId(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 16 && v.length % 2 === 0 && /^[0-9a-f]*$/i.test(v);
}

/** Standard base64 with padding of exactly the method's key size. */
function isSsKey(v: unknown, bytes: number): boolean {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length % 4 !== 0) return false;
  return Buffer.from(v, 'base64').length === bytes;
}

export function extraChecks(config: unknown): string[] {
  if (!isObj(config)) return [];
  const errors: string[] = [];
  const inbounds = objects(config.inbounds);
  const outbounds = objects(config.outbounds);
  inbounds.forEach((ib, i) => checkInbound(ib, `/inbounds/${i}`, errors));
  outbounds.forEach((ob, i) => checkOutbound(ob, `/outbounds/${i}`, errors));
  checkTags(config, inbounds, outbounds, errors);
  checkResolvers(config, outbounds, errors);
  checkDomainItems(config, errors);
  return errors;
}

function checkInbound(ib: Obj, at: string, errors: string[]): void {
  const tls = isObj(ib.tls) ? ib.tls : undefined;
  const reality = tls && isObj(tls.reality) && tls.reality.enabled === true ? tls.reality : undefined;
  if (reality) {
    if (!isRealityKey(reality.private_key)) errors.push(`${at}/tls/reality/private_key: must be 43 base64url characters (32 bytes, no padding)`);
    list(reality.short_id).forEach((id, j) => {
      if (!isShortId(id)) errors.push(`${at}/tls/reality/short_id/${j}: must be hex of even length, at most 16 characters`);
    });
    for (const key of ['certificate', 'certificate_path', 'key', 'key_path', 'acme']) {
      if (tls![key] !== undefined) errors.push(`${at}/tls/${key}: a REALITY inbound must not have a certificate, key or ACME`);
    }
    if (!tls!.server_name) errors.push(`${at}/tls/server_name: REALITY needs the SNI clients send`);
  }
  if ((ib.type === 'hysteria2' || ib.type === 'tuic') && tls?.enabled !== true) errors.push(`${at}/tls: ${String(ib.type)} requires TLS`);
  if (ib.type === 'vless' && (ib.transport !== undefined || ib.multiplex !== undefined)) {
    objects(ib.users).forEach((u, j) => {
      if (u.flow === 'xtls-rprx-vision') errors.push(`${at}/users/${j}/flow: xtls-rprx-vision needs raw TLS, no transport or multiplex`);
    });
  }
  if (ib.type === 'shadowsocks' && typeof ib.method === 'string' && SS2022_BYTES[ib.method]) {
    const bytes = SS2022_BYTES[ib.method];
    if (!isSsKey(ib.password, bytes)) errors.push(`${at}/password: ${ib.method} needs a ${bytes}-byte key in padded standard base64`);
    const users = objects(ib.users);
    if (users.length > 0 && ib.method === '2022-blake3-chacha20-poly1305') errors.push(`${at}/users: ${ib.method} has no multi-user mode`);
    users.forEach((u, j) => {
      if (!isSsKey(u.password, bytes)) errors.push(`${at}/users/${j}/password: ${ib.method} needs a ${bytes}-byte key in padded standard base64`);
    });
  }
}

function checkOutbound(ob: Obj, at: string, errors: string[]): void {
  const tls = isObj(ob.tls) ? ob.tls : undefined;
  const reality = tls && isObj(tls.reality) && tls.reality.enabled === true ? tls.reality : undefined;
  if (reality) {
    if (!isRealityKey(reality.public_key)) errors.push(`${at}/tls/reality/public_key: must be 43 base64url characters (32 bytes, no padding)`);
    if (reality.short_id !== undefined && !isShortId(reality.short_id)) errors.push(`${at}/tls/reality/short_id: must be hex of even length, at most 16 characters`);
    const utls = isObj(tls!.utls) ? tls!.utls : undefined;
    if (utls?.enabled !== true) errors.push(`${at}/tls/utls: a REALITY client requires utls.enabled: true`);
  }
  if (ob.flow === 'xtls-rprx-vision' && (ob.transport !== undefined || ob.multiplex !== undefined)) {
    errors.push(`${at}/flow: xtls-rprx-vision needs raw TLS, no transport or multiplex`);
  }
  if (ob.type === 'shadowsocks' && typeof ob.method === 'string' && SS2022_BYTES[ob.method] && typeof ob.password === 'string') {
    const bytes = SS2022_BYTES[ob.method];
    // Multi-user servers take `<server key>:<user key>`; each part has the method's size.
    ob.password.split(':').forEach((part, j) => {
      if (!isSsKey(part, bytes)) errors.push(`${at}/password: key ${j + 1} must be ${bytes} bytes in padded standard base64`);
    });
  }
}

function checkTags(config: Obj, inbounds: Obj[], outbounds: Obj[], errors: string[]): void {
  const unique = (items: Obj[], where: string): Set<string> => {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      if (typeof x.tag !== 'string') return;
      if (seen.has(x.tag)) errors.push(`/${where}/${i}/tag: duplicate tag "${x.tag}"`);
      seen.add(x.tag);
    });
    return seen;
  };
  unique(inbounds, 'inbounds');
  const outTags = unique(outbounds, 'outbounds');
  const dns = isObj(config.dns) ? config.dns : {};
  const servers = objects(dns.servers);
  const dnsTags = unique(servers, 'dns/servers');
  const route = isObj(config.route) ? config.route : {};
  const ruleSets = unique(objects(route.rule_set), 'route/rule_set');
  const ref = (value: unknown, known: Set<string>, at: string, what: string) => {
    if (typeof value === 'string' && !known.has(value)) errors.push(`${at}: no ${what} tagged "${value}"`);
  };
  ref(route.final, outTags, '/route/final', 'outbound');
  objects(route.rules).forEach((r, i) => {
    ref(r.outbound, outTags, `/route/rules/${i}/outbound`, 'outbound');
    if (r.action === 'resolve') ref(r.server, dnsTags, `/route/rules/${i}/server`, 'DNS server');
    list(r.rule_set).forEach((t, j) => ref(t, ruleSets, `/route/rules/${i}/rule_set/${j}`, 'rule set'));
  });
  objects(route.rule_set).forEach((s, i) => ref(s.download_detour, outTags, `/route/rule_set/${i}/download_detour`, 'outbound'));
  outbounds.forEach((ob, i) => {
    list(ob.outbounds).forEach((t, j) => ref(t, outTags, `/outbounds/${i}/outbounds/${j}`, 'outbound'));
    if (typeof ob.default === 'string' && !list(ob.outbounds).includes(ob.default)) errors.push(`/outbounds/${i}/default: "${ob.default}" is not one of its outbounds`);
    ref(ob.detour, outTags, `/outbounds/${i}/detour`, 'outbound');
  });
  servers.forEach((s, i) => ref(s.detour, outTags, `/dns/servers/${i}/detour`, 'outbound'));
  ref(dns.final, dnsTags, '/dns/final', 'DNS server');
  objects(dns.rules).forEach((r, i) => ref(r.server, dnsTags, `/dns/rules/${i}/server`, 'DNS server'));
  const resolverRef = (v: unknown, at: string) => ref(isObj(v) ? v.server : v, dnsTags, at, 'DNS server');
  resolverRef(route.default_domain_resolver, '/route/default_domain_resolver');
  outbounds.forEach((ob, i) => resolverRef(ob.domain_resolver, `/outbounds/${i}/domain_resolver`));
  servers.forEach((s, i) => resolverRef(s.domain_resolver, `/dns/servers/${i}/domain_resolver`));
}

const isHostname = (v: unknown): boolean => typeof v === 'string' && v !== '' && ipVersion(v.replace(/^\[|\]$/g, '')) === 0;

function checkResolvers(config: Obj, outbounds: Obj[], errors: string[]): void {
  const dns = isObj(config.dns) ? config.dns : {};
  const servers = objects(dns.servers);
  const route = isObj(config.route) ? config.route : {};
  // A DNS server named by host must know how to resolve that name (1.13: hard error),
  // unless it dials through a detour outbound, which resolves it itself.
  servers.forEach((s, i) => {
    if (isHostname(s.server) && s.domain_resolver === undefined && s.detour === undefined) {
      errors.push(`/dns/servers/${i}/domain_resolver: DNS server "${String(s.server)}" is a host name and needs domain_resolver (or detour)`);
    }
  });
  // With more than one DNS server sing-box will not guess which one resolves proxy
  // servers' names: fatal on a 1.13 CLI core, required from 1.14.
  if (servers.length <= 1 || route.default_domain_resolver !== undefined) return;
  outbounds.forEach((ob, i) => {
    if (isHostname(ob.server) && ob.domain_resolver === undefined) {
      errors.push(`/outbounds/${i}/domain_resolver: server "${String(ob.server)}" is a host name and there are ${servers.length} DNS servers; set domain_resolver here or route.default_domain_resolver`);
    }
  });
}

// A `domain` item matches names, never addresses: a rule that lists an IP there never
// matches a connection to that IP (found with the real sing-box: the probe user's allow
// rule for a probe URL that names an address let nothing through). Addresses go in ip_cidr.
function checkDomainItems(config: Obj, errors: string[]): void {
  const route = isObj(config.route) ? config.route : {};
  const dns = isObj(config.dns) ? config.dns : {};
  for (const [rules, where] of [[objects(route.rules), 'route/rules'], [objects(dns.rules), 'dns/rules']] as const) {
    rules.forEach((r, i) => list(r.domain).forEach((d, j) => {
      if (typeof d === 'string' && ipVersion(d.replace(/^\[|\]$/g, '')) !== 0) errors.push(`/${where}/${i}/domain/${j}: "${d}" is an address, which a domain item never matches; use ip_cidr`);
    }));
  }
}
