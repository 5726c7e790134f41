// The mihomo profile as written (mihomo/compact.ts): what it repeats is written once, and
// the data a YAML 1.1 reader with merge keys gets back is exactly the profile, field for
// field. The real mihomo reads these files in test/real (interop, static check, usage).
import { load as jsyamlLoad, YAML11_SCHEMA } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { mihomoProfile, renderProfiles, renderProfilesDirect } from '../../../scripts/render/client/index.ts';
import { COMMON_KEY, compactMihomo } from '../../../scripts/render/client/mihomo/compact.ts';
import { yamlDocument } from '../../../scripts/render/client/yaml.ts';
import { demoFleet, NOW, testStore, userOf } from './fixture.ts';

const fleet = demoFleet();
const store = testStore(fleet);
const ACTIVE = ['alice', 'dave', 'erin', 'frank'];

/** What a reader that resolves merge keys gets, without the holder of the shared fields. */
function readBack(text: string, read: (t: string) => unknown): Record<string, unknown> {
  const doc = JSON.parse(JSON.stringify(read(text))) as Record<string, unknown>;
  delete doc[COMMON_KEY];
  return doc;
}

describe('mihomo profile compaction', () => {
  for (const name of ACTIVE) {
    it(`${name}: the written profile reads back as the profile, smaller where proxies share fields`, () => {
      const profile = mihomoProfile(fleet, userOf(fleet, name), store, NOW);
      const text = renderProfiles(fleet, userOf(fleet, name), store, NOW)!['mihomo.yaml'];
      expect(text).toBe(renderProfilesDirect(fleet, userOf(fleet, name), store, NOW)!['mihomo.yaml']);
      const want = JSON.parse(JSON.stringify(profile));
      expect(readBack(text, (t) => YAML.parse(t, { merge: true }))).toEqual(want);
      expect(readBack(text, (t) => jsyamlLoad(t, { schema: YAML11_SCHEMA }))).toEqual(want);
      const types = (profile.proxies as { type: string }[]).map((p) => p.type);
      if (types.some((t, i) => types.indexOf(t) !== i)) {
        // Without merge keys resolved the proxies lose their shared fields: the compaction is real.
        expect(readBack(text, (t) => YAML.parse(t))).not.toEqual(want);
        expect(text).toMatch(/<<: \*[a-z]/);
        expect(Buffer.byteLength(text)).toBeLessThan(Buffer.byteLength(yamlDocument(profile)));
      } else {
        expect(text).not.toContain('<<'); // one proxy per protocol (dave): nothing to share
      }
    });
  }

  it('shares only fields every proxy of a protocol sets to the same value, and never the name or server', () => {
    const profile = {
      proxies: [
        { name: 'a', type: 'trojan', server: 's1', port: 443, password: 'p', sni: 'one.example', udp: true },
        { name: 'b', type: 'trojan', server: 's1', port: 8443, password: 'p', sni: 'one.example', udp: true },
        { name: 'c', type: 'trojan', server: 's2', port: 443, password: 'p', sni: 'one.example', udp: true },
        { name: 'd', type: 'tuic', server: 's2', port: 443, password: 'p', sni: 'one.example', udp: true },
      ],
      'proxy-groups': [{ name: 'g', type: 'select', proxies: ['a', 'b'] }],
    };
    const out = compactMihomo(profile) as Record<string, any>;
    expect(Object.keys(out)).toEqual([COMMON_KEY, 'proxies', 'proxy-groups']);
    expect(Object.keys(out[COMMON_KEY])).toEqual(['trojan']); // one tuic proxy: nothing to share
    expect(out[COMMON_KEY].trojan.value).toEqual({ type: 'trojan', password: 'p', sni: 'one.example', udp: true });
    expect(out.proxies[1]).toMatchObject({ name: 'b', server: 's1', port: 8443 });
    expect(out.proxies[3]).toBe(profile.proxies[3]);
    expect(YAML.parse(yamlDocument(out), { merge: true }).proxies).toEqual(profile.proxies);
  });

  it('aliases a group list only when it repeats an earlier one exactly', () => {
    const groups = [
      { name: 'p', type: 'select', proxies: ['auto', 'a', 'b'] },
      { name: 'auto', type: 'url-test', proxies: ['a', 'b'] },
      { name: 'fallback', type: 'fallback', proxies: ['a', 'b'] },
      { name: 'r', type: 'url-test', proxies: ['b', 'a'] },
    ];
    const text = yamlDocument(compactMihomo({ 'proxy-groups': groups }));
    expect(text).toContain('{name: auto, type: url-test, proxies: &members-1 [a, b]}');
    expect(text).toContain('{name: fallback, type: fallback, proxies: *members-1}');
    expect(text).toContain('{name: r, type: url-test, proxies: [b, a]}');
    expect(YAML.parse(text, { merge: true })['proxy-groups']).toEqual(groups);
  });

  it('refuses a proxy with a "<<" field of its own and a profile that already has the shared fields key', () => {
    const proxies = [{ name: 'a', type: 'trojan', server: 's', '<<': 'x' }, { name: 'b', type: 'trojan', server: 's' }];
    expect(() => compactMihomo({ proxies })).toThrow(/"<<" field/);
    expect(() => compactMihomo({ [COMMON_KEY]: {}, proxies: [] })).toThrow(/compaction's own key/);
  });

  it('decides what to share by field names, so a template with short markers is compacted as the real profile', () => {
    const proxy = (name: string, password: string) => ({ name, type: 'trojan', server: name, password, port: 443 });
    const short = compactMihomo({ proxies: [proxy('a', 'p'), proxy('b', 'p')] }) as Record<string, any>;
    const long = compactMihomo({ proxies: [proxy('a', 'x'.repeat(64)), proxy('b', 'x'.repeat(64))] }) as Record<string, any>;
    expect(Object.keys(short[COMMON_KEY].trojan.value)).toEqual(Object.keys(long[COMMON_KEY].trojan.value));
    // Only the type in common: nothing to gain, nothing shared.
    const lone = compactMihomo({ proxies: [proxy('a', 'p'), { ...proxy('b', 'q'), port: 8443 }] });
    expect(lone[COMMON_KEY]).toBeUndefined();
  });
});
