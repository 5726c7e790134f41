// The fast path of fleet-file parsing (scripts/model/plain-yaml.ts) against the full YAML
// parser it stands in for: on every file it accepts it must produce exactly what the full
// parser produces, and every file it is unsure of it must leave to the full parser. The
// files are built from values chosen to sit on the edges of the YAML 1.2 core schema
// (numbers in other spellings, null and booleans in other cases, dates, comments, quotes).
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlFile, positionOf } from '../../scripts/model/parse.ts';
import { plainMapping } from '../../scripts/model/plain-yaml.ts';

const full = (text: string) => {
  const doc = parseDocument(text, { uniqueKeys: false, strict: true, version: '1.2', prettyErrors: false });
  return { errors: doc.errors.length + doc.warnings.length, value: doc.toJS() as unknown };
};

const VALUES = [
  'alice', 'user-00001', 'Node 1', 'a b c', 'a  b', 'a ', ' a', 'x:y', 'x: y', 'x:', 'https://sub.example.com/s/x', 'a#b', 'a #b', '#a',
  '1', '0', '10', '007', '-1', '+1', '1.5', '.5', '1.', '1e3', '1E3', '0x1F', '0o17', '1_000', '12345678901234567890', '100000000000000',
  'true', 'false', 'True', 'TRUE', 'False', 'yes', 'no', 'on', 'off', 'y', 'n', '~', 'null', 'Null', 'NULL', '', '.inf', '-.inf', '.nan', '.NaN',
  '2025-12-31', '2026-11-26T00:00:00Z', '2026-11-26T00:00:00.5Z', '2026-11-26 00:00:00', '48h', '3m', 'deadbeef', 'e5', 'x=1', 'a@b', 'a,b', '(a)', 'a (b)',
  "'quoted'", "'it''s'", "'a # b'", '"double"', '"a\\"b"', '"a\\nb"', '"a # b"', "''", '""', '"é"', 'é', '[a, b]', '{a: 1}', '&a x', '*a', '!!str 1', '!x y',
  '|', '>', '- a', '? a', '@a', '`a`', '%a', 'a\tb', 'a\rb',
];
/** Values the fast path should take, mixed in often so that long files reach it too. */
const COMMON = ['alice', 'Node 1', '12', 'true', 'false', '2026-11-26T00:00:00Z', '2025-12-31', "'x # y'", '"double"', '48h', 'a (b), c'];
const KEYS = ['name', 'rev', 'quota_gb', 'enabled', 'region', 'note', 'x', 'true', 'null', 'Name', 'a-b', '_x', '1a'];
const EXTRA_LINES = ['', '# a comment', '   ', '  # indented comment', '---', '...', '  indented: 1', '- item', 'key:', 'key:value', '%YAML 1.2', '\uFEFFname: x'];

function* files(): Generator<string> {
  for (const v of VALUES) for (const k of ['name', 'true', 'a-b']) yield `${k}: ${v}\n`;
  // Seeded mixtures of keys, values and extra lines: deterministic, so a failure repeats.
  let seed = 20261205;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let i = 0; i < 3000; i++) {
    const lines: string[] = [];
    for (let j = 0, n = 1 + rnd(6); j < n; j++) {
      lines.push(rnd(5) === 0 ? EXTRA_LINES[rnd(EXTRA_LINES.length)] : `${KEYS[rnd(KEYS.length)]}: ${rnd(3) ? COMMON[rnd(COMMON.length)] : VALUES[rnd(VALUES.length)]}`);
    }
    yield lines.join(rnd(8) === 0 ? '\r\n' : '\n') + (rnd(2) ? '\n' : '');
  }
}

describe('the plain YAML fast path', () => {
  it('agrees with the full parser on every file it accepts, and leaves the rest to it', () => {
    let accepted = 0;
    let total = 0;
    for (const text of files()) {
      total++;
      const fast = plainMapping(text);
      if (fast === undefined) continue;
      accepted++;
      const f = full(text);
      expect.soft(f.errors, text).toBe(0);
      expect.soft(fast, text).toStrictEqual(f.value);
    }
    // Both sides are exercised: a path that accepted nothing (or everything) proves nothing.
    expect(accepted).toBeGreaterThan(total / 10);
    expect(accepted).toBeLessThan(total / 2);
  });

  it('refuses what the core schema would not read as a string', () => {
    for (const v of ['007', '1e3', '0x1F', '0o17', '.inf', '~', 'Null', 'True', '1.5', '-1', '+1', '1_000']) expect(plainMapping(`x: ${v}\n`), v).toBeUndefined();
    expect(plainMapping('x: 12\n')).toStrictEqual({ x: 12 });
    expect(plainMapping('x: 2025-12-31\n')).toStrictEqual({ x: '2025-12-31' });
    expect(plainMapping('x: yes\n')).toStrictEqual({ x: 'yes' }); // YAML 1.2: not a boolean
  });

  it('reads the files a large fleet is made of', () => {
    const user = 'name: user-00010\nenabled: true\nrev: 2\nregion: asia-east\nquota_gb: 100\nrotated_at: 2026-11-26T00:00:00Z\n';
    expect(plainMapping(user)).toStrictEqual({ name: 'user-00010', enabled: true, rev: 2, region: 'asia-east', quota_gb: 100, rotated_at: '2026-11-26T00:00:00Z' });
    expect(plainMapping('# yaml-language-server: $schema=../x.json\nname: bob\n# why\nenabled: false\nrev: 1\nnote: Paused at his request.\n')).toBeDefined();
  });

  it('still places a diagnostic exactly: the document is parsed when a position is asked for', () => {
    const r = parseYamlFile('users/x.yaml', Buffer.from('name: x\n\n# c\nquota_gb: lots\n'));
    if (!r.ok) throw new Error('expected the file to parse');
    expect(positionOf(r.parsed, ['quota_gb'])).toEqual({ line: 4, col: 11 });
    expect(positionOf(r.parsed, ['quota_gb'], 'key')).toEqual({ line: 4, col: 1 });
  });
});
