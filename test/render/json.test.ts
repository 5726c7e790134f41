// stableJson: insertion order, two-space indent, one newline, undefined dropped; and the
// things with no stable or valid JSON spelling refused by name, however deep they sit.
import { describe, expect, it } from 'vitest';
import { stableJson } from '../../scripts/render/json.ts';

describe('stableJson', () => {
  it('writes plain data as JSON.stringify with two-space indent and a newline', () => {
    const value = { b: 1, a: [1, 'x', null, true, { c: undefined, d: -0.5 }], e: {}, f: [], g: Object.create(null) };
    expect(stableJson(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(stableJson({ a: undefined, b: () => 1 })).toBe('{}\n');
    expect(stableJson([undefined])).toBe('[\n  null\n]\n');
    expect(stableJson({ when: new Date(0) })).toBe('{\n  "when": "1970-01-01T00:00:00.000Z"\n}\n');
  });

  it('refuses Map, Set, non-finite numbers and bigint at any depth, naming the key', () => {
    expect(() => stableJson({ a: [{ users: new Map() }] })).toThrow('Map at "users"');
    expect(() => stableJson({ a: { tags: new Set() } })).toThrow('Set at "tags"');
    expect(() => stableJson({ a: [1, { n: NaN }] })).toThrow('NaN at "n"');
    expect(() => stableJson({ a: Infinity })).toThrow('Infinity at "a"');
    expect(() => stableJson({ a: { b: 1n } })).toThrow('bigint at "b"');
  });

  it('reports a cycle instead of overflowing the stack', () => {
    const a: Record<string, unknown> = {};
    a.self = { a };
    expect(() => stableJson(a)).toThrow(TypeError);
  });
});
