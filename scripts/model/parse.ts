// Reads one YAML file defensively: whatever bytes an operator (or an attacker's PR) puts
// in a fleet file, the result is a value or a positioned Diagnostic, never an exception.
// The `yaml` package is used (not js-yaml) because it keeps source ranges for every node.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { plainMapping } from './plain-yaml.ts';

export const MAX_FILE_BYTES = 1024 * 1024;
/** Aliases beyond this are refused, not expanded ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

export interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  /** The document with source ranges; for a file read by the fast path, parsed when first asked for. */
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export type ParseResult = { ok: true; parsed: ParsedFile } | { ok: false; diagnostics: Diagnostic[] };

const at = (file: string, line: number, col: number, message: string, hint?: string): Diagnostic =>
  ({ severity: 'error', file, line, col, message, hint });

export function parseYamlFile(file: string, bytes: Buffer, expect = 'a mapping of keys'): ParseResult {
  if (bytes.length > MAX_FILE_BYTES) {
    // dirSource stops reading past the limit, so the real size is not known here.
    return fail(at(file, 1, 1, `file is larger than the ${MAX_FILE_BYTES} bytes (1 MiB) a fleet file may have`, 'keep one node or user per file, as plain YAML text'));
  }
  const binary = findBinary(bytes);
  if (binary) return fail(at(file, binary.line, binary.col, binary.message, 'save the file as UTF-8 text'));
  const text = bytes.toString('utf8');
  // Most fleet files are a few `key: value` lines: read those without building a document,
  // which only a diagnostic's position needs (and then gets, from the same text).
  const plain = plainMapping(text);
  if (plain) return { ok: true, parsed: positionedLater(file, plain, text) };
  const { doc, lines } = parseWithRanges(text);
  if (doc.errors.length === 0) {
    const dup = duplicateKeys(doc);
    if (dup.length) return fail(...dup.slice(0, 5).map((offset) => { const p = lines.linePos(offset); return at(file, p.line, p.col, 'YAML syntax: Map keys must be unique', 'keep one of the two keys'); }));
  }
  if (doc.errors.length > 0) {
    // yaml often reports one mistake twice at one place; one line per place is enough.
    const seen = new Set<string>();
    // When two errors share a place, the multi-line one explains it (over-indented next line).
    const ordered = [...doc.errors].sort((a, b) => Number(b.code === 'MULTILINE_IMPLICIT_KEY') - Number(a.code === 'MULTILINE_IMPLICIT_KEY'));
    // Deduplicated by where yaml saw them: a diagnostic may point elsewhere (the stray line).
    const list = ordered.filter((e) => !seen.has(String(e.pos[0])) && seen.add(String(e.pos[0])) !== undefined)
      .map((e) => yamlError(file, e, lines, text))
      .filter((d) => !seen.has(`${d.line}:${d.col}`) && seen.add(`${d.line}:${d.col}`) !== undefined);
    return fail(...list.slice(0, 5));
  }
  // A list or mapping as a key (`? [a, b]`) cannot be an object key: yaml would turn it into
  // text and warn on the terminal. Refuse it where it stands.
  const complex = complexKey(doc);
  if (complex !== undefined) {
    const pos = lines.linePos(complex);
    return fail(at(file, pos.line, pos.col, 'a key is a list or mapping', 'write a plain key (a name) before the colon'));
  }
  // A tag the YAML 1.2 core schema does not know (`!!js/function`, `!custom`) would be read
  // silently as a plain string: refuse it where it stands.
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag) {
    const pos = lines.linePos(unknownTag.pos[0]);
    const tag = (/tag: (\S+)/.exec(unknownTag.message)?.[1] ?? 'tag').replace(/^tag:yaml\.org,2002:/, '!!').slice(0, 60);
    return fail(at(file, pos.line, pos.col, `unknown YAML tag ${tag}`, 'remove the tag: fleet files hold plain values (strings, numbers, true/false, lists, mappings)'));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const pos = firstAlias(doc, lines);
    return fail(at(file, pos.line, pos.col, `too many alias expansions (${(e as Error).message.split('\n')[0]})`, 'write the values out instead of nesting anchors and aliases'));
  }
  if (value === null || value === undefined) {
    return fail(at(file, 1, 1, 'file is empty', `expected ${expect}, starting with \`name:\``));
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const pos = lines.linePos(doc.contents?.range?.[0] ?? 0);
    const found = Array.isArray(value) ? 'a list' : `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
    return fail(at(file, pos.line, pos.col, `expected ${expect}, found ${found}`, 'write `key: value` lines at the top level'));
  }
  return { ok: true, parsed: { file, value, doc, lines } };
}

function parseWithRanges(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  // Duplicate keys are found by duplicateKeys() below: yaml's own check compares every key
  // with every earlier one, and a file of 90,000 keys then takes minutes.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true, version: '1.2' });
  return { doc, lines };
}

/** A file the fast path read: its value now, its document (for positions) when first needed. */
function positionedLater(file: string, value: unknown, text: string): ParsedFile {
  let full: { doc: Document.Parsed; lines: LineCounter } | undefined;
  const ranges = () => (full ??= parseWithRanges(text));
  return { file, value, get doc() { return ranges().doc; }, get lines() { return ranges().lines; } };
}

/** Offsets of keys that repeat an earlier key of the same mapping, in one pass over the document. */
function duplicateKeys(doc: Document): number[] {
  const found: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && found.length < 5) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = pair.key;
        // Complex keys (lists, mappings, aliases) compare by their source text.
        const id = isScalar(k) ? `s:${String(k.value)}` : `n:${k === null ? '' : String(k)}`;
        if (seen.has(id)) found.push((k as YamlNode | null)?.range?.[0] ?? 0);
        seen.add(id);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return found.sort((a, b) => a - b);
}

/** Offset of the first key that is a list or mapping, or undefined. */
function complexKey(doc: Document): number | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMap(pair.key) || isSeq(pair.key)) return (pair.key as YamlNode).range?.[0] ?? 0;
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return undefined;
}

function fail(...diagnostics: Diagnostic[]): ParseResult {
  return { ok: false, diagnostics };
}

function yamlError(file: string, e: { message: string; code: string; pos: [number, number] }, lines: LineCounter, text: string): Diagnostic {
  const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  // yaml notices an unclosed quote or bracket only where the file (or the line) ends;
  // the operator needs the place where it was opened.
  const opener = /closing '?quote/i.test(first) ? (first.includes('"') ? '"' : "'")
    : /^Flow sequence/.test(first) ? '[' : /^Flow map/.test(first) ? '{' : undefined;
  const offset = opener ? Math.max(0, text.lastIndexOf(opener, Math.max(0, e.pos[0] - 1))) : e.pos[0];
  const pos = lines.linePos(offset);
  const hints: Record<string, string> = {
    TAB_AS_INDENT: 'indent with spaces, not tabs',
    DUPLICATE_KEY: 'keep one of the two keys',
    BAD_INDENT: 'align keys of one mapping at the same column',
    MISSING_CHAR: 'check quotes and brackets on this line',
    BLOCK_AS_IMPLICIT_KEY: 'check the indentation of this line and the lines around it; quote a value that contains ": "',
    MULTILINE_IMPLICIT_KEY: 'a line below is indented more than this key, so YAML reads it as part of this value: align it, or quote the value',
    MULTIPLE_DOCS: 'a fleet file holds one YAML document: remove this `---` line (and put what follows it in a file of its own)',
  };
  if (e.code === 'MULTIPLE_DOCS') return at(file, pos.line, pos.col, 'YAML syntax: a second document starts here', hints.MULTIPLE_DOCS);
  if (e.code === 'BAD_INDENT') {
    // yaml may point at a comment or blank line before the misaligned key.
    const next = contentLineFrom(text, pos.line);
    if (next && next.line !== pos.line) return at(file, next.line, next.col, `YAML syntax: ${first}`, hints.BAD_INDENT);
  }
  if (e.code === 'MULTILINE_IMPLICIT_KEY') {
    // yaml points at the value the stray line joined; the operator needs the stray line.
    const stray = strayLine(text, pos.line);
    if (stray) return at(file, stray.line, stray.col, `YAML syntax: this line is indented more than the key on line ${pos.line}, so YAML reads it as part of that key's value`, 'align it with the keys around it (or quote a value that goes on over several lines)');
  }
  const hint = opener === '[' || opener === '{' ? `close it with ${opener === '[' ? ']' : '}'} (a list or mapping in brackets may span lines only when indented)`
    : opener ? `close the quote with ${opener} on this line` : hints[e.code] ?? 'fix the YAML syntax here';
  return at(file, pos.line, pos.col, `YAML syntax: ${first}`, hint);
}

const indentOf = (l: string): number => l.length - l.trimStart().length;

/** The first line from `line` on (1-based) that holds more than a comment, and its first column. */
function contentLineFrom(text: string, line: number): { line: number; col: number; indent: number } | undefined {
  const lines = text.split('\n');
  for (let i = line - 1; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t !== '' && !t.startsWith('#')) return { line: i + 1, col: indentOf(lines[i]!) + 1, indent: indentOf(lines[i]!) };
  }
  return undefined;
}

/** The first line with content after `keyLine` (1-based), when it is indented deeper than that line. */
function strayLine(text: string, keyLine: number): { line: number; col: number } | undefined {
  const keyIndent = indentOf(text.split('\n')[keyLine - 1] ?? '');
  const next = contentLineFrom(text, keyLine + 1);
  return next && next.indent > keyIndent ? next : undefined;
}

function findBinary(bytes: Buffer): { line: number; col: number; message: string } | undefined {
  const nul = bytes.indexOf(0);
  const bad = nul >= 0 ? nul : invalidUtf8Offset(bytes);
  if (bad < 0) return undefined;
  // Line and column in characters of the valid text before the bad byte, as editors count.
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, bad));
  const line = before.split('\n').length;
  const col = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, col, message: nul >= 0 ? 'file contains a NUL byte: this is not a text file' : 'file is not valid UTF-8' };
}

/**
 * Offset of the first byte that makes the file invalid UTF-8, or -1. With `stream: true`
 * an unfinished character at the end of a prefix is not an error, so "this prefix is
 * valid" only flips once and a binary search finds the first bad byte in O(n log n).
 */
function invalidUtf8Offset(bytes: Buffer): number {
  const valid = (n: number) => {
    try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true }); return true; } catch { return false; }
  };
  if (valid(bytes.length) && validEnd(bytes)) return -1;
  let lo = 0; // valid prefix length
  let hi = bytes.length; // invalid (or unfinished at the end) prefix length
  if (valid(hi)) return Math.max(0, lastCharStart(bytes)); // only the last character is cut off
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (valid(mid)) lo = mid; else hi = mid;
  }
  // Byte hi-1 broke the text; when it interrupted a started character (é as a lone 0xE9
  // lead byte), that character's first byte is the place to show.
  const prefix = bytes.subarray(0, hi - 1);
  return validEnd(prefix) ? hi - 1 : lastCharStart(prefix);
}

function validEnd(bytes: Buffer): boolean {
  try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); return true; } catch { return false; }
}

function lastCharStart(bytes: Buffer): number {
  let i = bytes.length - 1;
  while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
  return i;
}

function firstAlias(doc: Document.Parsed, lines: LineCounter): { line: number; col: number } {
  let found: number | undefined;
  const visit = (n: unknown): void => {
    if (found !== undefined || !n || typeof n !== 'object') return;
    const node = n as { type?: string; range?: [number, number] };
    if ((n as { constructor: { name: string } }).constructor.name === 'Alias') { found = node.range?.[0]; return; }
    if (isMap(n) || isSeq(n)) for (const item of n.items) visit(item);
    if (isPair(n)) { visit(n.key); visit(n.value); }
  };
  visit(doc.contents);
  return lines.linePos(found ?? 0);
}

/**
 * Position of a value (or of its key, for "unknown key" messages) at a path in the
 * document; falls back to the nearest existing parent so every message has a place.
 */
export function positionOf(parsed: ParsedFile, path: (string | number)[], which: 'key' | 'value' = 'value'): { line: number; col: number } {
  let node: unknown = parsed.doc.contents;
  let pos = node && (node as YamlNode).range ? (node as YamlNode).range![0] : 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as YamlNode;
      if (last && which === 'key') { pos = keyNode.range?.[0] ?? pos; break; }
      node = pair.value;
      pos = (pair.value as YamlNode | null)?.range?.[0] ?? keyNode.range?.[0] ?? pos;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      pos = (node as YamlNode).range?.[0] ?? pos;
    } else break;
  }
  return parsed.lines.linePos(pos);
}
