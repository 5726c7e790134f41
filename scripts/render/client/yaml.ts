// A small deterministic YAML emitter for the mihomo profile. We control the structure
// (plain objects, arrays, strings, finite numbers, booleans), so a generic YAML library's
// document model is pure overhead here: it was most of the time of rendering a fleet.
//
// Output is block style, two-space indent, lists indented under their key (the layout
// people already know from mihomo's own examples), except that a map in a list is written
// on one line in flow style (`- {name: …, type: vless, …}`): a profile of 120 proxies is a
// fifth smaller, one proxy per line still reads well, and subscription sites pay for every
// byte of every user's copy (#16). A string is written plain only when it
// is plainly safe: it cannot be read as anything but that same string by a YAML 1.1 or 1.2
// parser (go-yaml in mihomo, JS parsers in tests and apps). Every other string is written
// as a JSON string: JSON's escapes are a subset of YAML's double-quoted escapes, so the
// JSON text is a valid YAML double-quoted scalar with the same value. Anchors, aliases and
// merge keys are written only where the caller asks for them (YamlAnchor, YamlAlias,
// MERGE_KEY; mihomo/compact.ts), never tags.

/**
 * Where a string scalar goes. The plain emitter writes it at once; the profile templates
 * (template.ts) turn strings that carry credential markers into slots filled per user.
 */
export interface YamlSink {
  text(s: string): void;
  /** `flow`: inside `{…}` or `[…]`, where `,[]{}` end a plain scalar. */
  scalar(s: string, flow: boolean): void;
}

/** `&name value`: a mapping or list that later parts of the document repeat by `*name`. */
export class YamlAnchor {
  constructor(readonly name: string, readonly value: Record<string, unknown> | readonly unknown[]) { anchorName(name); }
}

/** `*name`: the node of the anchor `name`, which must come earlier in the document. */
export class YamlAlias {
  constructor(readonly name: string) { anchorName(name); }
}

/**
 * The merge key (YAML 1.1 `<<`, which go-yaml v3, serde_yaml's apply_merge and js-yaml
 * resolve): as the key of a YamlAlias to a mapping, the mapping it is written in takes
 * every field of that mapping it does not set itself. Any other `<<` key is quoted, a plain
 * key like any other.
 */
export const MERGE_KEY = '<<';

// Anchor names are ours: short ASCII words, nothing a flow collection or a parser could misread.
function anchorName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new TypeError(`yaml: anchor name ${JSON.stringify(name)} is not a short lowercase word`);
}

/** The YAML text of a mapping (the document root), with one trailing newline. */
export function yamlDocument(root: Record<string, unknown>): string {
  let out = '';
  yamlEmit(root, { text: (s) => { out += s; }, scalar: (s, flow) => { out += yamlString(s, flow); } });
  return out;
}

/** Emits `root` into `sink`: same bytes as yamlDocument() when scalars are written with yamlString(). */
export function yamlEmit(root: Record<string, unknown>, sink: YamlSink): void {
  if (!isPlainObject(root)) throw new TypeError('yaml: the document root must be a plain object');
  const entries = defined(root, 'the document root');
  const w: Writer = { sink, anchors: new Set() };
  if (entries.length === 0) sink.text('{}\n');
  else mapBody(entries, '', w);
}

/** A string as a YAML scalar: plain when plainly safe, otherwise a JSON (double-quoted) string. */
export function yamlString(s: string, flow = false): string {
  return isPlainSafe(s) && !(flow && FLOW_INDICATOR.test(s)) ? s : quoted(s);
}

// ---- structure -------------------------------------------------------------------------

type Entries = [string, unknown][];

/** The sink, and the anchors written so far: an alias may only name one of them. */
interface Writer { sink: YamlSink; anchors: Set<string> }

/** A key: the merge key plain before an alias, every other key as a scalar. */
function key(k: string, value: unknown, flow: boolean, w: Writer): void {
  if (k === MERGE_KEY && value instanceof YamlAlias) w.sink.text(MERGE_KEY);
  else w.sink.scalar(k, flow);
}

/** `&name ` before the anchored node; each name once per document. */
function anchor(a: YamlAnchor, w: Writer): void {
  if (w.anchors.has(a.name)) throw new TypeError(`yaml: anchor &${a.name} written twice`);
  w.anchors.add(a.name);
  w.sink.text(`&${a.name} `);
}

function alias(a: YamlAlias, where: string, w: Writer): void {
  if (!w.anchors.has(a.name)) throw new TypeError(`yaml: alias *${a.name} at "${where}" before its anchor`);
  w.sink.text(`*${a.name}`);
}

function mapBody(entries: Entries, indent: string, w: Writer): void {
  for (const [k, value] of entries) {
    w.sink.text(indent);
    key(k, value, false, w);
    w.sink.text(':');
    afterKey(value, indent, k, w);
  }
}

function afterKey(value: unknown, indent: string, where: string, w: Writer): void {
  const sink = w.sink;
  if (value instanceof YamlAnchor || value instanceof YamlAlias) {
    // An anchored node is written on one line, in flow style.
    sink.text(' ');
    flowValue(value, where, w);
    return sink.text('\n');
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return sink.text(' []\n');
    sink.text('\n');
    return seqBody(value, `${indent}  `, false, where, w);
  }
  if (isPlainObject(value)) {
    const entries = defined(value, where);
    if (entries.length === 0) return sink.text(' {}\n');
    sink.text('\n');
    return mapBody(entries, `${indent}  `, w);
  }
  sink.text(' ');
  scalar(value, where, sink);
  sink.text('\n');
}

function seqBody(items: readonly unknown[], indent: string, inline: boolean, where: string, w: Writer): void {
  const sink = w.sink;
  items.forEach((item, i) => {
    sink.text(i === 0 && inline ? '- ' : `${indent}- `);
    const at = `${where}[${i}]`;
    if (Array.isArray(item) && item.length > 0) return seqBody(item, `${indent}  `, true, at, w);
    if (isPlainObject(item) || item instanceof YamlAnchor || item instanceof YamlAlias) {
      flowValue(item, at, w);
      return sink.text('\n');
    }
    if (Array.isArray(item)) return sink.text('[]\n');
    if (item === undefined) throw new TypeError(`yaml: undefined list item at "${at}"`);
    scalar(item, at, sink);
    sink.text('\n');
  });
}

/** A value on one line: `{k: v, …}`, `[a, …]` or a scalar. */
function flowValue(value: unknown, where: string, w: Writer): void {
  const sink = w.sink;
  if (value instanceof YamlAnchor) {
    anchor(value, w);
    return flowValue(value.value, where, w);
  }
  if (value instanceof YamlAlias) return alias(value, where, w);
  if (Array.isArray(value)) {
    sink.text('[');
    value.forEach((item, i) => {
      if (item === undefined) throw new TypeError(`yaml: undefined list item at "${where}[${i}]"`);
      if (i > 0) sink.text(', ');
      flowValue(item, `${where}[${i}]`, w);
    });
    return sink.text(']');
  }
  if (isPlainObject(value)) {
    sink.text('{');
    defined(value, where).forEach(([k, v], i) => {
      if (i > 0) sink.text(', ');
      key(k, v, true, w);
      sink.text(': ');
      flowValue(v, `${where}.${k}`, w);
    });
    return sink.text('}');
  }
  scalar(value, where, sink, true);
}

/** Entries of a map without undefined values (as JSON and stableJson drop them). */
function defined(obj: object, where: string): Entries {
  const out: Entries = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`yaml: ${typeof v} at "${where}.${k}"`);
    out.push([k, v]);
  }
  return out;
}

function scalar(value: unknown, where: string, sink: YamlSink, flow = false): void {
  switch (typeof value) {
    case 'string': return sink.scalar(value, flow);
    case 'boolean': return sink.text(value ? 'true' : 'false');
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`yaml: ${value} at "${where}" has no portable spelling`);
      return sink.text(String(value));
    default:
      if (value === null) return sink.text('null');
      // Map, Set, Date, class instances, bigint: a renderer must turn these into plain data.
      throw new TypeError(`yaml: unsupported ${value instanceof Object ? value.constructor.name : typeof value} at "${where}"`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// ---- scalars ---------------------------------------------------------------------------

// Characters that may appear in a plain scalar: printable ASCII and printable non-ASCII.
// Excluded: controls, DEL, C1 controls, U+2028/2029 (line breaks to YAML 1.1), BOM,
// surrogates (a lone one cannot be written as UTF-8), U+FFFE/FFFF, and the quote, escape
// and anchor/alias/tag characters that some parsers treat specially anywhere.
const PLAIN_CHARS = /^[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]+$/;
const UNSAFE_ANYWHERE = /["'\\`]|: |:$| #|^ | $|\t/;
// YAML indicators: a plain scalar cannot start with one (and `- `, `? `, `: ` are
// structure). Leading `---`/`...` would end a document when at column 0.
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]|^\.\.\./;
// Inside a flow collection these end a plain scalar wherever they are.
const FLOW_INDICATOR = /[,[\]{}]/;
// Strings a YAML 1.1 or 1.2 parser resolves to null, a boolean or a number (1.1 allows
// `yes`/`on`, `_` in numbers, `0x`/`0o`/`0b`, base-60 `1:30`; 1.2 core allows `.inf`).
// Compared case-insensitively, which quotes a few more strings than needed: harmless.
const WORDS = /^(?:~|null|true|false|yes|no|y|n|on|off|=|<<)$/i;
// Every part optional: parsers disagree on what may be left out (one YAML 1.1 reader takes
// `e5` and `.` for floats), and quoting a few strings too many is harmless.
const NUMBER = /^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])*)?(?:\.[0-9_]*)?(?:e[-+]?[0-9]+)?$/i;
const RADIX = /^[-+]?0(?:x[0-9a-f_]+|o[0-7_]+|b[01_]+)$/i;
const SPECIAL_FLOAT = /^[-+]?\.(?:inf|nan)$/i;
// YAML 1.1 timestamps start `YYYY-M-D`; such a string is quoted whatever follows.
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;

function isPlainSafe(s: string): boolean {
  return PLAIN_CHARS.test(s)
    && !UNSAFE_ANYWHERE.test(s)
    && !INDICATOR_START.test(s)
    && !WORDS.test(s)
    && !NUMBER.test(s)
    && !RADIX.test(s)
    && !SPECIAL_FLOAT.test(s)
    && !TIMESTAMP.test(s);
}

// JSON.stringify leaves these literal, but YAML does not allow them unescaped in a
// double-quoted scalar (not printable, or a line break that YAML 1.1 would fold: NEL,
// U+2028, U+2029): \u escape them too.
const NOT_YAML_PRINTABLE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

function quoted(s: string): string {
  return JSON.stringify(s).replace(NOT_YAML_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
