import { describe, expect, it } from 'vitest';
import { activeUsers } from '../../../scripts/model/access.ts';
import { renderProfiles } from '../../../scripts/render/client/index.ts';
import { renderNodeConfigs } from '../../../scripts/render/server/index.ts';
import { validateSingBoxConfig } from '../../../scripts/render/singbox-schema/index.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoFleet, newStore, NOW, REPO } from '../server/fixture.ts';
import { communityValidate } from './community.ts';

type Obj = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const servers = () => new Map([...renderNodeConfigs(demoFleet(), newStore(), NOW)].map(([k, v]) => [k, JSON.parse(v) as Obj]));
const PUB = 'jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0';

/** The reference's minimal 1.12 client profile (§4.7), trimmed. */
function client(): Obj {
  return {
    log: { level: 'warn', timestamp: true },
    dns: {
      servers: [
        { type: 'https', tag: 'remote', server: '1.1.1.1', detour: 'proxy' },
        { type: 'udp', tag: 'direct-dns', server: '8.8.8.8' },
      ],
      rules: [{ clash_mode: 'Direct', server: 'direct-dns' }],
      final: 'remote', strategy: 'prefer_ipv4',
    },
    inbounds: [
      { type: 'tun', tag: 'tun-in', address: ['172.19.0.1/30', 'fdfe:dcba:9876::1/126'], auto_route: true, strict_route: true, stack: 'mixed' },
      { type: 'mixed', tag: 'mixed-in', listen: '127.0.0.1', listen_port: 2080 },
    ],
    outbounds: [
      { type: 'selector', tag: 'proxy', outbounds: ['auto', 'r', 'vm', 'direct'], default: 'auto', interrupt_exist_connections: true },
      { type: 'urltest', tag: 'auto', outbounds: ['r', 'vm'], url: 'https://www.gstatic.com/generate_204', interval: '3m', tolerance: 50 },
      { type: 'vless', tag: 'r', server: '203.0.113.10', server_port: 443, uuid: 'bf000d23-0752-40b4-affe-68f7707a9661', flow: 'xtls-rprx-vision',
        tls: { enabled: true, server_name: 'www.example.com', utls: { enabled: true, fingerprint: 'chrome' }, reality: { enabled: true, public_key: PUB, short_id: '0123456789abcdef' } } },
      { type: 'vmess', tag: 'vm', server: 'node1.example.com', server_port: 2053, uuid: 'bf000d23-0752-40b4-affe-68f7707a9661', security: 'auto', alter_id: 0,
        tls: { enabled: true, server_name: 'node1.example.com', certificate: ['-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----'] },
        transport: { type: 'ws', path: '/vmess' } },
      { type: 'shadowsocks', tag: 'ss', server: '203.0.113.10', server_port: 8388, method: '2022-blake3-aes-128-gcm', password: '8JCsPssfgS8tiRwiMlhARg==:PCD2Z4o12bKUoFa3cC97Hw==' },
      { type: 'direct', tag: 'direct' },
    ],
    route: {
      rules: [
        { action: 'sniff' }, { protocol: 'dns', action: 'hijack-dns' }, { ip_is_private: true, outbound: 'direct' },
        { rule_set: ['geoip-cn'], action: 'route', outbound: 'direct' },
      ],
      rule_set: [{ type: 'remote', tag: 'geoip-cn', format: 'binary', url: 'https://example.com/geoip-cn.srs', download_detour: 'proxy', update_interval: '1d' }],
      final: 'proxy', auto_detect_interface: true, default_domain_resolver: 'direct-dns',
    },
    experimental: { cache_file: { enabled: true }, clash_api: { external_controller: '127.0.0.1:9090', secret: 'x' } },
  };
}

describe('validateSingBoxConfig', () => {
  it('accepts every rendered server config and a 1.12 client profile', () => {
    for (const [, config] of servers()) expect(validateSingBoxConfig(config)).toEqual([]);
    expect(validateSingBoxConfig(client())).toEqual([]);
  });

  it('accepts the client renderer\'s sing-box profile of every active demo user', () => {
    const fleet = demoFleet();
    const store = newStore();
    const users = activeUsers(fleet, NOW);
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(validateSingBoxConfig(JSON.parse(renderProfiles(fleet, user, store, NOW)!['sing-box.json']))).toEqual([]);
  });

  it('with singbox.build: stats every server config counts its users (a rotation\'s ~prev entries too, never the probe) and passes', () => {
    const fleetYaml = readFileSync(join(REPO, 'fleet.yaml'), 'utf8').replace(/^  build: official$/m, '  build: stats');
    const configs = renderNodeConfigs(demoFleet({ 'fleet.yaml': fleetYaml }), newStore(), NOW);
    expect(configs.size).toBeGreaterThan(0);
    for (const [, text] of configs) {
      const c = JSON.parse(text) as Obj;
      const names = [...new Set((c.inbounds as Obj[]).flatMap((i) => (i.users as Obj[] | undefined ?? []).map((u) => u.name as string)))];
      expect(c.experimental.v2ray_api).toEqual({ listen: '127.0.0.1:9091', stats: { enabled: true, users: names.filter((n) => n !== 'boxfleet-probe').sort() } });
      expect(validateSingBoxConfig(c)).toEqual([]);
    }
    // The official build (the default) gets no v2ray_api: SagerNet's release would refuse it.
    for (const [, text] of renderNodeConfigs(demoFleet(), newStore(), NOW)) expect(JSON.parse(text).experimental.v2ray_api).toBeUndefined();
  });

  it('a probe URL that names an address becomes an ip_cidr rule, which the schema accepts', () => {
    const fleetYaml = readFileSync(join(REPO, 'fleet.yaml'), 'utf8').replace(/^  url: https:\/\/www\.gstatic\.com\/generate_204\n  interval: 15m/m, '  url: http://198.19.0.10/probe\n  interval: 15m');
    expect(fleetYaml).toContain('http://198.19.0.10/probe');
    const configs = renderNodeConfigs(demoFleet({ 'fleet.yaml': fleetYaml }), newStore(), NOW);
    for (const [, text] of configs) {
      const c = JSON.parse(text) as Obj;
      expect(c.route.rules[1]).toMatchObject({ auth_user: ['boxfleet-probe'], ip_cidr: ['198.19.0.10'], port: [80], override_address: '198.19.0.10' });
      expect(c.route.rules[1].domain).toBeUndefined();
      expect(validateSingBoxConfig(c)).toEqual([]);
    }
  });

  it('every rendered server config also passes @black-duty/sing-box-schema', () => {
    for (const [, config] of servers()) expect(communityValidate(config)).toEqual([]);
  });

  const server = () => clone(servers().get('tokyo-1')!);
  const traps: [string, () => Obj, RegExp][] = [
    ['inbound sniff', () => { const c = server(); c.inbounds[0].sniff = true; return c; }, /\/inbounds\/0: unknown key "sniff"/],
    ['inbound domain_strategy', () => { const c = server(); c.inbounds[1].domain_strategy = 'ipv4_only'; return c; }, /unknown key "domain_strategy"/],
    ['selector.strategy', () => { const c = client(); c.outbounds[0].strategy = 'latency'; return c; }, /\/outbounds\/0: unknown key "strategy"/],
    ['outbound alterId (inbound spelling)', () => { const c = client(); delete c.outbounds[3].alter_id; c.outbounds[3].alterId = 0; return c; }, /\/outbounds\/3: unknown key "alterId"/],
    ['inbound alter_id (outbound spelling)', () => { const c = clone(servers().get('singapore-1')!); c.inbounds[1].users[0].alter_id = 0; return c; }, /users\/0: unknown key "alter_id"/],
    ['certificate on a Reality inbound', () => { const c = server(); c.inbounds[0].tls.certificate_path = '/etc/x.crt'; return c; }, /\/inbounds\/0\/tls\/certificate_path: a REALITY inbound must not have a certificate/],
    ['odd-length short id', () => { const c = server(); c.inbounds[0].tls.reality.short_id = ['abc']; return c; }, /short_id\/0: must be hex of even length/],
    ['short id longer than 16', () => { const c = server(); c.inbounds[0].tls.reality.short_id = ['0123456789abcdef01']; return c; }, /short_id\/0/],
    ['non-hex short id', () => { const c = client(); c.outbounds[2].tls.reality.short_id = 'zz'; return c; }, /\/outbounds\/2\/tls\/reality\/short_id/],
    ['reality private key in std base64', () => { const c = server(); c.inbounds[0].tls.reality.private_key = 'UuMBgl7MXTPx9inmQp2UC7Jcnwc6XYbwDNebonM+FCc='; return c; }, /private_key: must be 43 base64url/],
    ['reality client without utls', () => { const c = client(); delete c.outbounds[2].tls.utls; return c; }, /requires utls.enabled/],
    ['a dns outbound', () => { const c = client(); c.outbounds.push({ type: 'dns', tag: 'dns-out' }); return c; }, /\/outbounds\/6\/type: must be equal to one of the allowed values/],
    ['a block outbound', () => { const c = server(); c.outbounds.push({ type: 'block', tag: 'block' }); return c; }, /\/outbounds\/1\/type/],
    ['geoip rule item', () => { const c = server(); c.route.rules.push({ geoip: ['cn'], action: 'reject' }); return c; }, /\/route\/rules\/6: unknown key "geoip"/],
    ['geosite rule item', () => { const c = client(); c.route.rules.push({ geosite: ['cn'], outbound: 'direct' }); return c; }, /unknown key "geosite"/],
    ['missing domain_resolver', () => { const c = client(); delete c.route.default_domain_resolver; return c; }, /\/outbounds\/3\/domain_resolver: server "node1.example.com" is a host name/],
    ['DNS server by host name without resolver', () => { const c = client(); c.dns.servers[1].server = 'dns.google'; return c; }, /\/dns\/servers\/1\/domain_resolver/],
    ['SS-2022 server key of the wrong length', () => { const c = clone(servers().get('frankfurt-1')!); c.inbounds[1].password = 'c2hvcnQ='; return c; }, /\/inbounds\/1\/password: 2022-blake3-aes-128-gcm needs a 16-byte key/],
    ['SS-2022 user key in base64url', () => { const c = clone(servers().get('frankfurt-1')!); c.inbounds[1].users[0].password = c.inbounds[1].users[0].password.replace(/=+$/, ''); return c; }, /users\/0\/password/],
    ['SS-2022 client iPSK:uPSK with a short part', () => { const c = client(); c.outbounds[4].password = '8JCsPssfgS8tiRwiMlhARg==:abc='; return c; }, /\/outbounds\/4\/password: key 2/],
    ['vision with a transport', () => { const c = server(); c.inbounds[0].transport = { type: 'ws', path: '/x' }; return c; }, /xtls-rprx-vision needs raw TLS/],
    ['reject with an outbound', () => { const c = server(); c.route.rules[2].outbound = 'direct'; return c; }, /\/route\/rules\/2: key "outbound" is not allowed/],
    ['route rule without outbound', () => { const c = server(); c.route.rules.push({ domain: ['x.com'] }); return c; }, /\/route\/rules\/6: must have required property 'outbound'/],
    ['a typo in a reject rule (sing-box would drop it and reject everything)', () => { const c = server(); c.route.rules[4] = { ip_is_privat: true, action: 'reject' }; return c; }, /\/route\/rules\/4: unknown key "ip_is_privat"/],
    ['unknown key at the top', () => { const c = server(); c.ntp2 = {}; return c; }, /^\/: unknown key "ntp2"/],
    ['unknown key deep in TLS', () => { const c = server(); c.inbounds[1].tls.acme.dns_challenge = {}; return c; }, /\/inbounds\/1\/tls\/acme: unknown key "dns_challenge"/],
    ['unknown key in clash_api', () => { const c = server(); c.experimental.clash_api.store_selected = true; return c; }, /unknown key "store_selected"/],
    ['unknown key in a DNS server', () => { const c = client(); c.dns.servers[0].address = 'https://1.1.1.1/dns-query'; return c; }, /\/dns\/servers\/0: unknown key "address"/],
    ['legacy DNS rule outbound item', () => { const c = client(); c.dns.rules.push({ outbound: 'any', server: 'direct-dns' }); return c; }, /\/dns\/rules\/1: unknown key "outbound"/],
    ['route.final to a missing tag', () => { const c = server(); c.route.final = 'proxy'; return c; }, /\/route\/final: no outbound tagged "proxy"/],
    ['duplicate inbound tags', () => { const c = server(); c.inbounds[1].tag = c.inbounds[0].tag; return c; }, /duplicate tag/],
    ['an address in a domain item (never matches)', () => { const c = server(); c.route.rules[1].domain = ['198.19.0.10']; return c; }, /\/route\/rules\/1\/domain\/0: "198\.19\.0\.10" is an address/],
    ['hysteria2 inbound without TLS', () => { const c = server(); delete c.inbounds[2].tls; return c; }, /\/inbounds\/2: must have required property 'tls'/],
  ];

  for (const [name, make, message] of traps) {
    it(`rejects ${name}`, () => {
      const errors = validateSingBoxConfig(make());
      expect(errors.some((e) => message.test(e)), errors.join('\n')).toBe(true);
    });
  }

  it('accepts a vmess inbound user with alterId 0', () => {
    const sg = clone(servers().get('singapore-1')!);
    expect(sg.inbounds[1].users[0].alterId).toBe(0);
    expect(validateSingBoxConfig(sg)).toEqual([]);
  });

  it('the community schema misses what the strict one catches (documented false negatives)', () => {
    const c = server();
    c.inbounds[0].sniff = true;
    c.inbounds[0].tls.reality.short_id = ['abc'];
    expect(communityValidate(c)).toEqual([]);
    expect(validateSingBoxConfig(c).length).toBe(2);
  });
});
