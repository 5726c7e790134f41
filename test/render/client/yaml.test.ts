// The mihomo profile's YAML emitter: every string reads back as itself under YAML 1.2
// (yaml), YAML 1.1 (yaml's 1.1 schema, the rules go-yaml in mihomo inherits) and js-yaml;
// ordinary profile strings stay plain so people can read the file; structure is block style
// with maps in lists on one line (flow style).
import { load as jsyamlLoad, YAML11_SCHEMA } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { MERGE_KEY, YamlAlias, YamlAnchor, yamlDocument, yamlString } from '../../../scripts/render/client/yaml.ts';

const readers: [string, (text: string) => unknown][] = [
  ['yaml 1.2', (t) => YAML.parse(t)],
  ['yaml 1.1', (t) => YAML.parse(t, { schema: 'yaml-1.1' })],
  ['js-yaml', (t) => jsyamlLoad(t)],
];

const TRICKY = [
  '', ' ', ' a', 'a ', 'a: b', 'a:', 'a #b', '#x', '-x', '- x', '-', '?', '? x', ':x', '@x', '`x', '%x', '!x', '&x', '*x', '|', '>',
  '[a]', '{a}', ',a', '"q"', "it's", 'back\\slash', 'tab\there', 'new\nline', 'cr\rhere', '\u2028', '\u2029', '\x85', '\x7f', '\x00', '\u009f', '\ufeff',
  'yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '=', '<<', '---', '...', '...x',
  '0', '-1', '+1', '1_000', '0x1F', '0o17', '0b101', '017', '1:20', '1:20:30.5', '1.5', '.5', '1.', '1e3', '1E+3', '-.inf', '.NaN',
  'e5', '.', '-.', '.e5', '2026-11-26', '2026-11-26T12:00:00Z', '𝄞', 'Tokyo 1 · Reality', 'é', '\ud800',
];

const PLAIN = [
  'Tokyo 1 · Reality', 'auto · asia-east', 'https://1.1.1.1/dns-query#proxy', 'GEOIP,lan,DIRECT,no-resolve', '198.18.0.1/16', '203.0.113.10',
  '1b5074ac-87f6-4d85-bbe8-37581461f894', 'Lj4H3R9Y1APhrlJjsTm-2OKq', 'd/aLhOiMM7pgXxIqPjwAew==:Gl0oa7gHogbCPWumnvuYRg==', 'rule-set:cn-domain',
  '80:1D:D4:45:AE:11:42:61:36:28:6C:DB:23:64:D8:A0:39:2F:43:C1:26:99:8C:56:AD:B5:49:29:46:9B:04:32', '/ws-tokyo', '2022-blake3-aes-128-gcm',
];

function roundTrip(value: Record<string, unknown>): void {
  const text = yamlDocument(value);
  const want = JSON.parse(JSON.stringify(value));
  for (const [name, read] of readers) expect(read(text), `${name}:\n${text}`).toEqual(want);
}

describe('yaml emitter', () => {
  it('every tricky string reads back as itself, as a key, a value and a list item', () => {
    for (const s of TRICKY) {
      if (s === '\ud800' || s === '\x00') continue; // not representable in UTF-8 / refused by js-yaml: checked below
      roundTrip({ [s]: s, list: [s], nested: [{ [s]: [s] }] });
    }
    // A lone surrogate and NUL are escaped, never written raw.
    expect(yamlString('\ud800')).toBe('"\\ud800"');
    expect(yamlString('\x00')).toBe('"\\u0000"');
  });

  it('random strings over the dangerous characters read back as themselves', () => {
    const alphabet = ['a', 'Z', '0', '1', '9', '.', '-', '+', '_', ':', ' ', '#', ',', '[', '{', '"', "'", '\\', '\n', '\t', '~', '=', '<', '!', '&', '*', '?', '|', '>', '%', '@', '`', 'e', 'x', 'o', 'b', '·', '\u2028'];
    let seed = 42;
    const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
    const values: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let n = next() % 7; n >= 0; n--) s += alphabet[next() % alphabet.length];
      values.push(s);
    }
    const byKey = Object.fromEntries(values.map((v, i) => [`${v}${i}`, v]));
    // A map in a list is written in flow style, where `,[]{}` end a plain scalar too.
    roundTrip({ values, byKey, flowed: [byKey, { nested: { values, inner: [byKey] } }] });
  });

  it('profile strings stay plain; others are JSON strings', () => {
    for (const s of PLAIN) expect(yamlString(s), s).toBe(s);
    expect(yamlString('yes')).toBe('"yes"');
    expect(yamlString('1:20')).toBe('"1:20"');
    expect(yamlString('a: b')).toBe('"a: b"');
    expect(yamlString('\u2028')).toBe('"\\u2028"');
    // Plain in a block, quoted in a flow collection.
    for (const s of ['a,b', 'x[1]', 'a{b}']) {
      expect(yamlString(s), s).toBe(s);
      expect(yamlString(s, true), s).toBe(JSON.stringify(s));
    }
    expect(yamlString('Tokyo 1 · Reality', true)).toBe('Tokyo 1 · Reality');
  });

  it('writes block style with two-space indent, lists under their key, a map in a list on one line, empties inline', () => {
    const text = yamlDocument({
      port: 7890, enable: true, lazy: false, none: null, on: 'yes', skipped: undefined,
      dns: { servers: ['1.1.1.1', '8.8.8.8'], empty: [], nothing: {} },
      proxies: [{ name: 'a', alpn: ['h3'], opts: { headers: { Host: 'h' } } }, 'x', [], {}, [1, [2, 3]]],
    });
    expect(text).toBe([
      'port: 7890', 'enable: true', 'lazy: false', 'none: null', '"on": "yes"',
      'dns:', '  servers:', '    - 1.1.1.1', '    - 8.8.8.8', '  empty: []', '  nothing: {}',
      'proxies:', '  - {name: a, alpn: [h3], opts: {headers: {Host: h}}}',
      '  - x', '  - []', '  - {}', '  - - 1', '    - - 2', '      - 3', '',
    ].join('\n'));
    roundTrip({ dns: { servers: ['1.1.1.1'] }, proxies: [{ name: 'a', alpn: ['h3'] }, [1, [2, 3]]] });
    expect(yamlDocument({})).toBe('{}\n');
  });

  it('refuses what has no YAML spelling or no stable order', () => {
    expect(() => yamlDocument({ a: NaN })).toThrow(/NaN/);
    expect(() => yamlDocument({ a: new Map() })).toThrow(/Map/);
    expect(() => yamlDocument({ a: [undefined] })).toThrow(/undefined/);
    expect(() => yamlDocument({ a: () => 1 })).toThrow(/function/);
    expect(() => yamlDocument({ a: 1n })).toThrow(/bigint/);
  });

  it('writes anchors, aliases and merge keys only where asked, and every reader resolves them to the same data', () => {
    const text = yamlDocument({
      common: { t: new YamlAnchor('t', { type: 'vless', port: 443, alpn: ['h3'] }) },
      proxies: [{ name: 'a', [MERGE_KEY]: new YamlAlias('t'), sni: 'x' }, { name: 'b', [MERGE_KEY]: new YamlAlias('t') }],
      groups: [{ name: 'auto', proxies: new YamlAnchor('members-1', ['a', 'b']) }, { name: 'fallback', proxies: new YamlAlias('members-1') }],
      '<<': 'a plain key',
    });
    expect(text).toContain('  t: &t {type: vless, port: 443, alpn: [h3]}\n');
    expect(text).toContain('  - {name: a, <<: *t, sni: x}\n');
    expect(text).toContain('proxies: *members-1}');
    expect(text).toContain('"<<": a plain key');
    const want = {
      common: { t: { type: 'vless', port: 443, alpn: ['h3'] } },
      proxies: [{ name: 'a', type: 'vless', port: 443, alpn: ['h3'], sni: 'x' }, { name: 'b', type: 'vless', port: 443, alpn: ['h3'] }],
      groups: [{ name: 'auto', proxies: ['a', 'b'] }, { name: 'fallback', proxies: ['a', 'b'] }],
      '<<': 'a plain key',
    };
    for (const [name, read] of [['yaml 1.1', (t: string) => YAML.parse(t, { schema: 'yaml-1.1' })], ['yaml merge', (t: string) => YAML.parse(t, { merge: true })], ['js-yaml 1.1', (t: string) => jsyamlLoad(t, { schema: YAML11_SCHEMA })]] as const) {
      expect(JSON.parse(JSON.stringify(read(text))), `${name}:\n${text}`).toEqual(want);
    }
  });

  it('refuses an alias before its anchor, an anchor twice and an anchor name a parser could misread', () => {
    expect(() => yamlDocument({ a: new YamlAlias('x'), b: new YamlAnchor('x', [1]) })).toThrow(/alias \*x at "a" before its anchor/);
    expect(() => yamlDocument({ a: new YamlAnchor('x', [1]), b: new YamlAnchor('x', [2]) })).toThrow(/anchor &x written twice/);
    for (const bad of ['', 'X', 'a b', 'a,b', 'a]', '1a', 'a'.repeat(33)]) expect(() => new YamlAnchor(bad, [])).toThrow(/anchor name/);
  });
});
