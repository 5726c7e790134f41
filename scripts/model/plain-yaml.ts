// The fast path for the files a large fleet is made of: a user file is a handful of
// `key: value` lines, and parsing 10,000 of them with the full YAML parser (which keeps a
// source range for every node) cost a `fleet site` most of a second before any work began.
//
// plainMapping() reads only a strict subset of YAML 1.2 (core schema) whose meaning is
// beyond doubt: top-level `key: value` lines with a plain word, a decimal integer,
// true/false or a simply quoted string as the value, plus blank and comment lines. For
// anything else (indentation, lists, anchors, tabs, CR, non-ASCII, a value that the core
// schema might read as a number, null or boolean in another spelling, a duplicate key) it
// returns undefined and the caller uses the full parser, which also produces every error
// message. So the two can never disagree: test/model/plain-yaml.test.ts checks the subset
// against the full parser.

const KEY = /^([a-z][a-z0-9_]{0,63}): (.*)$/;
const BLANK_OR_COMMENT = /^ *(?:#.*)?$/;
/** A plain scalar of safe characters, single spaces between words, no `: ` inside, no `:` at the end. */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.\-:/+@=(),]*(?: [A-Za-z0-9_.\-:/+@=(),]+)*$/;
/** Dates and times as fleet files write them: strings in the core schema (no timestamp type). */
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:\.[0-9]+)?Z?)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
/** Plain scalars the core schema may resolve to something other than a string: left to the full parser. */
const MAYBE_NOT_STRING = /^(?:[-+.0-9][-+.0-9a-fA-FoOxX_]*|~|null|Null|NULL|True|TRUE|False|FALSE|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
const SINGLE_QUOTED = /^'([\x20-\x26\x28-\x7e]*)'$/;
const DOUBLE_QUOTED = /^"([\x20\x21\x23-\x5b\x5d-\x7e]*)"$/;

export type PlainValue = string | number | boolean;

/** The mapping the file holds when it is within the subset; undefined means "use the full parser". */
export function plainMapping(text: string): Record<string, PlainValue> | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  const out: Record<string, PlainValue> = {};
  let keys = 0;
  for (const line of text.split('\n')) {
    if (BLANK_OR_COMMENT.test(line)) continue;
    const m = KEY.exec(line);
    if (!m) return undefined;
    const [, key, raw] = m;
    if (Object.hasOwn(out, key) || key === 'true' || key === 'false' || key === 'null') return undefined;
    const value = scalar(raw);
    if (value === undefined) return undefined;
    out[key] = value;
    keys++;
  }
  return keys > 0 ? out : undefined;
}

function scalar(raw: string): PlainValue | undefined {
  const quoted = SINGLE_QUOTED.exec(raw) ?? DOUBLE_QUOTED.exec(raw);
  if (quoted) return quoted[1];
  if (!PLAIN.test(raw) || raw.endsWith(':') || raw.includes(': ')) return undefined;
  if (DECIMAL.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (DATE.test(raw)) return raw;
  if (MAYBE_NOT_STRING.test(raw)) return undefined;
  return raw;
}
