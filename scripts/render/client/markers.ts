// Credential markers: an Identity whose uuid, password and keys are placeholder strings
// made of private-use characters, so a profile rendered for it is the profile of every
// user with holes where that user's credentials go. The serializers treat the markers as
// ordinary text: JSON.stringify leaves private-use characters as they are, and
// encodeURIComponent turns them into fixed %-sequences. Both encode a string character by
// character, so encoding a user's value and putting it into the hole gives the same bytes
// as encoding the whole string with the value in it (checked anyway: template.ts).
import type { Identity } from '../endpoint.ts';

const OPEN = '\uE000';
const CLOSE = '\uE001';
const marker = (id: string): string => `${OPEN}${id}${CLOSE}`;

/** Finds markers as they appear in JSON text or raw strings. Ids are [a-z0-9]. */
export const RAW_MARKER = /\uE000([a-z0-9]+)\uE001/g;
/** Finds markers as encodeURIComponent writes them. */
export const URI_MARKER = new RegExp(`${encodeURIComponent(OPEN)}([a-z0-9]+)${encodeURIComponent(CLOSE)}`, 'g');

export const hasMarker = (s: string): boolean => s.includes(OPEN);

/** The identity a template is rendered for. Remembers which SS-2022 methods were asked for. */
export class MarkerIdentity implements Identity {
  readonly name = marker('n');
  readonly uuid = marker('u');
  readonly password = marker('p');
  readonly methods: string[] = [];

  ss2022Key(method: string): string {
    let i = this.methods.indexOf(method);
    if (i < 0) i = this.methods.push(method) - 1;
    return marker(`s${i}`);
  }
}

/** A user's values for the markers of a template, keyed by marker id, and the user. */
export interface Values {
  readonly who: Identity;
  readonly byId: Readonly<Record<string, string>>;
  /** Hole texts already worked out for this user: the same hole recurs on every node. */
  readonly memo: Map<string, string>;
  /** Hole texts as UTF-8, by text: a user's few values recur in hundreds of holes. */
  readonly bytes: Map<string, Buffer>;
}

/** The text of a hole, worked out once per user and `key`. */
export function memo(v: Values, key: string, make: () => string): string {
  let text = v.memo.get(key);
  if (text === undefined) v.memo.set(key, (text = make()));
  return text;
}

/**
 * Asks `who` for exactly what the template needs. The store behind `who` records each
 * secret it hands out (for log masking), so this asks for the same values the direct
 * render would have asked for.
 */
export function valuesOf(markers: MarkerIdentity, who: Identity): Values {
  const byId: Record<string, string> = { n: who.name, u: who.uuid, p: who.password };
  markers.methods.forEach((m, i) => { byId[`s${i}`] = who.ss2022Key(m); });
  return { who, byId, memo: new Map(), bytes: new Map() };
}

/**
 * A hole turns the user's values into the text that goes there. Holes with the same `key`
 * give the same text for a user (memo()), so a fill works each one out once.
 */
export type Hole = ((v: Values) => string) & { key?: string };

/** A hole whose text is memo()'d under `key`. */
export function keyedHole(key: string, make: (v: Values) => string): Hole {
  return Object.assign((v: Values) => memo(v, key, () => make(v)), { key });
}

/** Text with holes: lits[0] hole[0] lits[1] … hole[n-1] lits[n]. */
export interface Template {
  lits: string[];
  holes: Hole[];
}

export function fill(t: Template, v: Values): string {
  let out = t.lits[0];
  for (let i = 0; i < t.holes.length; i++) out += t.holes[i](v) + t.lits[i + 1];
  return out;
}

/** What fillBytes needs of a template, worked out once: literals as UTF-8, holes by key. */
interface BytePlan {
  lits: Buffer[];
  /** Per hole, the index of its distinct text (holes with one key share one). */
  slot: Uint32Array;
  /** Per distinct text, the first hole that gives it. */
  first: number[];
}
const plans = new WeakMap<Template, BytePlan>();

function planOf(t: Template): BytePlan {
  let plan = plans.get(t);
  if (plan) return plan;
  const ids = new Map<string, number>();
  const first: number[] = [];
  const slot = new Uint32Array(t.holes.length);
  t.holes.forEach((h, i) => {
    let d = h.key === undefined ? undefined : ids.get(h.key);
    if (d === undefined) {
      d = first.push(i) - 1;
      if (h.key !== undefined) ids.set(h.key, d);
    }
    slot[i] = d;
  });
  plan = { lits: t.lits.map((l) => Buffer.from(l, 'utf8')), slot, first };
  plans.set(t, plan);
  return plan;
}

/**
 * fill() as UTF-8 bytes. The same bytes as encoding fill()'s string: literals end at
 * markers, which are whole characters, so no character is cut in two. It spares a large
 * build re-encoding some 100 KB of the same literal text per user, and works out each
 * distinct hole text once (a user's few values recur in hundreds of holes).
 */
export function fillBytes(t: Template, v: Values): Buffer {
  const { lits, slot, first } = planOf(t);
  const texts = first.map((h) => {
    const text = t.holes[h](v);
    let bytes = v.bytes.get(text);
    if (!bytes) v.bytes.set(text, (bytes = Buffer.from(text, 'utf8')));
    return bytes;
  });
  let size = 0;
  for (const l of lits) size += l.length;
  for (let i = 0; i < slot.length; i++) size += texts[slot[i]].length;
  const out = Buffer.allocUnsafe(size);
  out.set(lits[0], 0);
  let at = lits[0].length;
  for (let i = 0; i < slot.length; i++) {
    const hole = texts[slot[i]];
    out.set(hole, at);
    at += hole.length;
    out.set(lits[i + 1], at);
    at += lits[i + 1].length;
  }
  return out;
}

/**
 * Cuts `text` at every marker `pattern` finds; each hole is `encode(value of that marker)`.
 * `kind` names the encoding, so holes of different encodings never share a memo entry.
 */
export function cutText(text: string, pattern: RegExp, encode: (value: string) => string, kind: string): Template {
  const t: Template = { lits: [], holes: [] };
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const id = m[1];
    const key = `${kind}\u0000${id}`;
    t.lits.push(text.slice(last, m.index));
    t.holes.push(keyedHole(key, (v) => encode(valueOf(v, id))));
    last = m.index! + m[0].length;
  }
  t.lits.push(text.slice(last));
  return t;
}

/** Replaces every raw marker in `s` by its value: the string as the user's profile has it. */
export function substitute(s: string, v: Values): string {
  return s.replace(RAW_MARKER, (_, id: string) => valueOf(v, id));
}

function valueOf(v: Values, id: string): string {
  const value = v.byId[id];
  if (value === undefined) throw new Error(`profile template: no value for marker "${id}"`);
  return value;
}

/** Concatenates templates with literal text between them. */
export function joinTemplates(parts: Template[], sep: string): Template {
  const t: Template = { lits: [''], holes: [] };
  parts.forEach((p, i) => {
    t.lits[t.lits.length - 1] += (i > 0 ? sep : '') + p.lits[0];
    for (let j = 0; j < p.holes.length; j++) {
      t.holes.push(p.holes[j]);
      t.lits.push(p.lits[j + 1]);
    }
  });
  return t;
}
