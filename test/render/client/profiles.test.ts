// Whole profiles of the demo users: who gets what, in which order, byte-stable, valid
// against the schemas we have, and free of the traps sing-box and mihomo punish.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  InactiveUserError, mihomoProfile, renderProfiles, shareLinks, singboxProfile,
} from '../../../scripts/render/client/index.ts';
import { orderNodes } from '../../../scripts/render/client/order.ts';
import { demoFleet, NOW, testStore, userOf } from './fixture.ts';
import { communitySingBoxErrors, mihomoErrors, projectSingBoxValidator } from './validators.ts';

const fleet = demoFleet();
const store = testStore(fleet);
const ACTIVE = ['alice', 'dave', 'erin', 'frank'];
const files = (name: string, f = fleet, s = store) => renderProfiles(f, userOf(f, name), s, NOW)!;
const nodeOrder = (p: any): string[] => p.outbounds.filter((o: any) => !['selector', 'urltest', 'direct'].includes(o.type)).map((o: any) => o.tag);

describe('client profiles of the demo users', () => {
  for (const name of ['alice', 'dave', 'erin']) {
    it(`${name}: snapshot of all three files`, async () => {
      const f = files(name);
      await expect(f['sing-box.json']).toMatchFileSnapshot(`__snapshots__/${name}.sing-box.json`);
      await expect(f['mihomo.yaml']).toMatchFileSnapshot(`__snapshots__/${name}.mihomo.yaml`);
      await expect(f['links.txt']).toMatchFileSnapshot(`__snapshots__/${name}.links.txt`);
    });
  }

  it('disabled (bob) and expired (carol) users get no profile', () => {
    for (const name of ['bob', 'carol']) {
      expect(renderProfiles(fleet, userOf(fleet, name), store, NOW)).toBeUndefined();
      expect(() => singboxProfile(fleet, userOf(fleet, name), store, NOW)).toThrow(InactiveUserError);
      expect(() => mihomoProfile(fleet, userOf(fleet, name), store, NOW)).toThrow(InactiveUserError);
      expect(() => shareLinks(fleet, userOf(fleet, name), store, NOW)).toThrow(InactiveUserError);
    }
  });

  it('dave only gets premium nodes', () => {
    const premium = new Set(fleet.nodes.filter((n) => n.labels.includes('premium')).map((n) => n.title));
    expect(premium.size).toBeGreaterThan(0);
    const tags = nodeOrder(singboxProfile(fleet, userOf(fleet, 'dave'), store, NOW));
    expect(tags.length).toBeGreaterThan(0);
    for (const t of tags) expect(premium.has(t.split(' · ')[0]!), t).toBe(true);
    const proxies = (mihomoProfile(fleet, userOf(fleet, 'dave'), store, NOW) as any).proxies.map((p: any) => p.name);
    expect(proxies).toEqual(tags);
    expect(tags.some((t) => t.startsWith('Tokyo'))).toBe(false);
  });

  it("puts erin's European node first, alice's East Asian one first, region groups likewise", () => {
    const erin = singboxProfile(fleet, userOf(fleet, 'erin'), store, NOW) as any;
    expect(nodeOrder(erin)[0]).toMatch(/^Frankfurt 1 · /);
    expect(erin.outbounds[0].outbounds.slice(0, 2)).toEqual(['auto', 'auto · europe']);
    const alice = singboxProfile(fleet, userOf(fleet, 'alice'), store, NOW) as any;
    expect(nodeOrder(alice)[0]).toMatch(/^Tokyo 1 · /);
    // Users without a region keep model (name) order.
    expect(orderNodes(fleet, userOf(fleet, 'frank')).map((n) => n.name)).toEqual(['frankfurt-1', 'singapore-1', 'tokyo-1']);
  });

  it('follows a health order when given one, and drops the nodes it leaves out', () => {
    const p = singboxProfile(fleet, userOf(fleet, 'alice'), store, NOW, ['singapore-1', 'nope', 'frankfurt-1']) as any;
    const tags = nodeOrder(p);
    expect(tags[0]).toMatch(/^Singapore 1/);
    expect(tags.some((t) => t.startsWith('Tokyo'))).toBe(false);
    // A health order cannot smuggle in a node the user may not use.
    const dave = nodeOrder(singboxProfile(fleet, userOf(fleet, 'dave'), store, NOW, ['tokyo-1', 'singapore-1']));
    expect(dave.every((t) => t.startsWith('Singapore'))).toBe(true);
  });

  it('is deterministic: two renders (two stores) give identical bytes', () => {
    for (const name of ACTIVE) expect(files(name, demoFleet(), testStore(fleet))).toEqual(files(name));
  });

  it("a rev bump changes only that user's credentials", () => {
    const bumped = demoFleet({ 'users/alice.yaml': (d) => { d.rev = 2; } });
    const s2 = testStore(bumped);
    const before = files('alice');
    const after = files('alice', bumped, s2);
    const oldC = store.user('alice', 1);
    const newC = s2.user('alice', 2);
    // links.txt hides its text in base64, vmess links too, others percent-encode: compare readable forms.
    const readable = (file: string, t: string) => (file !== 'links.txt' ? t : Buffer.from(t, 'base64').toString('utf8')
      .split('\n').map((l) => l.startsWith('vmess://') ? Buffer.from(l.slice(8), 'base64').toString('utf8') : decodeURIComponent(l)).join('\n'));
    const ssKey = (c: typeof oldC) => c.ss2022Key('2022-blake3-aes-128-gcm');
    for (const file of Object.keys(before) as (keyof typeof before)[]) {
      const was = readable(file, before[file]);
      const now = readable(file, after[file]);
      expect(now, file).not.toBe(was);
      for (const old of [oldC.uuid, oldC.password, ssKey(oldC)]) expect(now).not.toContain(old);
      // Swap the new secrets back to the old ones: nothing else may differ.
      const back = now.replaceAll(newC.uuid, oldC.uuid).replaceAll(newC.password, oldC.password).replaceAll(ssKey(newC), ssKey(oldC));
      expect(back, file).toBe(was);
    }
    // Other users are untouched.
    for (const name of ['dave', 'erin', 'frank']) expect(files(name, bumped, s2)).toEqual(files(name));
  });

  it('every sing-box profile passes the schemas and has none of the traps', async () => {
    const strict = await projectSingBoxValidator();
    for (const f of [fleet, demoFleet({ 'fleet.yaml': (d) => { d.subscription.routing = 'cn-direct'; } })]) {
      for (const name of ACTIVE) {
        const p = singboxProfile(f, userOf(f, name), store, NOW) as any;
        expect(communitySingBoxErrors(p), name).toEqual([]);
        if (strict) expect(strict(p), name).toEqual([]);
        const text = JSON.stringify(p);
        expect(text).not.toMatch(/"insecure"|"sniff_override|"domain_strategy"|"geoip"|"geosite"|"address":"(tls|https|udp):/);
        for (const ib of p.inbounds) expect(Object.keys(ib).filter((k) => k.startsWith('sniff')), name).toEqual([]);
        for (const ob of p.outbounds) {
          expect(['dns', 'block', 'wireguard']).not.toContain(ob.type);
          if (ob.type === 'selector') expect(ob).not.toHaveProperty('strategy');
          expect(ob.detour).toBeUndefined();
          if (!['selector', 'urltest', 'direct'].includes(ob.type) && !/^[0-9.:]+$/.test(ob.server)) expect(ob.domain_resolver, ob.tag).toBe('local');
        }
        for (const s of p.dns.servers) expect(s.type, 'typed DNS servers only').toBeDefined();
        const tags = p.outbounds.map((o: any) => o.tag);
        expect(new Set(tags).size).toBe(tags.length);
        expect(p.route.final).toBe('proxy');
        expect(p.route.rules.slice(0, 3)).toEqual([{ action: 'sniff' }, { protocol: 'dns', action: 'hijack-dns' }, { ip_is_private: true, outbound: 'direct' }]);
      }
    }
  });

  it('every mihomo profile passes meta-json-schema (which does reject a broken one)', () => {
    for (const f of [fleet, demoFleet({ 'fleet.yaml': (d) => { d.subscription.routing = 'cn-direct'; } })]) {
      for (const name of ACTIVE) {
        const text = renderProfiles(f, userOf(f, name), store, NOW)!['mihomo.yaml'];
        const p = YAML.parse(text, { merge: true });
        expect(mihomoErrors(p), name).toEqual([]);
        expect(text).not.toMatch(/skip-cert-verify/);
        const names = p.proxies.map((x: any) => x.name);
        expect(new Set(names).size).toBe(names.length);
        expect(p['mixed-port']).toBe(7890);
      }
    }
    const broken = YAML.parse(files('alice')['mihomo.yaml'], { merge: true });
    broken.proxies.find((x: any) => x.type === 'ss').cipher = 'rot13';
    expect(mihomoErrors(broken).length).toBeGreaterThan(0);
  });

  it('routing presets: global has no rule sets, cn-direct downloads them through the proxy', () => {
    const g = singboxProfile(fleet, userOf(fleet, 'erin'), store, NOW) as any;
    expect(g.route.rule_set).toBeUndefined();
    expect(YAML.parse(files('erin')['mihomo.yaml'], { merge: true }).rules).toEqual(['GEOIP,lan,DIRECT,no-resolve', 'MATCH,proxy']);
    const cnFleet = demoFleet({ 'fleet.yaml': (d) => { d.subscription.routing = 'cn-direct'; } });
    const cn = singboxProfile(cnFleet, userOf(cnFleet, 'erin'), store, NOW) as any;
    expect(cn.route.rule_set.map((r: any) => [r.tag, r.type, r.format, r.download_detour])).toEqual([
      ['geosite-cn', 'remote', 'binary', 'proxy'], ['geoip-cn', 'remote', 'binary', 'proxy'],
    ]);
    expect(cn.route.rules[3]).toEqual({ rule_set: ['geosite-cn', 'geoip-cn'], outbound: 'direct' });
    const m = YAML.parse(renderProfiles(cnFleet, userOf(cnFleet, 'erin'), store, NOW)!['mihomo.yaml'], { merge: true });
    expect(Object.keys(m['rule-providers'])).toEqual(['cn-domain', 'cn-ip']);
    expect(m.rules).toContain('RULE-SET,cn-domain,DIRECT');
    expect(m.rules.at(-1)).toBe('MATCH,proxy');
  });

  it('groups: auto, regions and every node in the selector; urltest settings from fleet.yaml', () => {
    const p = singboxProfile(fleet, userOf(fleet, 'alice'), store, NOW) as any;
    const nodes = nodeOrder(p);
    const sel = p.outbounds.find((o: any) => o.tag === 'proxy');
    expect(sel).toMatchObject({ type: 'selector', default: 'auto' });
    expect(sel.outbounds).toEqual(['auto', 'auto · asia-east', 'auto · europe', 'auto · asia-southeast', ...nodes]);
    expect(p.outbounds.find((o: any) => o.tag === 'auto')).toEqual({
      type: 'urltest', tag: 'auto', outbounds: nodes, url: 'https://www.gstatic.com/generate_204', interval: '3m', tolerance: 50,
    });
    const m = YAML.parse(files('alice')['mihomo.yaml'], { merge: true });
    expect(m['proxy-groups'].map((g: any) => [g.name, g.type])).toEqual([
      ['proxy', 'select'], ['auto', 'url-test'], ['fallback', 'fallback'],
      ['auto · asia-east', 'url-test'], ['auto · europe', 'url-test'], ['auto · asia-southeast', 'url-test'],
    ]);
    expect(m['proxy-groups'][1].interval).toBe(180);
  });

  it('skips a self-signed node that has no certificate yet, keeps unique names on equal titles', () => {
    const f = demoFleet({
      'nodes/frankfurt-1.yaml': (d) => { delete d.tls.certificate; },
      'nodes/singapore-1.yaml': (d) => { d.title = 'Tokyo 1'; },
    });
    const p = singboxProfile(f, userOf(f, 'alice'), testStore(f), NOW) as any;
    const tags = nodeOrder(p);
    expect(tags.some((t) => t.startsWith('Frankfurt'))).toBe(false);
    expect(tags).toContain('Tokyo 1 · Reality (singapore-1)');
    expect(new Set(tags).size).toBe(tags.length);
  });
});
