// The mihomo profile as it is written: the same document, with what it repeats written
// once (#16). Every user's copy of a profile with 120 proxies repeated per protocol the
// same seven or eight fields (the user's UUID or password, the port, the TLS name, the
// fingerprint…) and twice the same list of 120 proxy names. Here each protocol's shared
// fields become one anchored mapping under `x-proxy-common`, which each proxy of that
// protocol takes with the merge key (`<<: *vless`), and a group list that repeats an
// earlier one is an alias of it.
//
// Who reads it: mihomo (go-yaml v3 resolves aliases and merge keys, and ignores top-level
// keys it does not know; test/real proves the profile with the real binary), Clash Verge
// Rev (serde_yaml's apply_merge before it hands mihomo the file), FlClash and Clash Meta for
// Android (mihomo's own parser). The profile object itself stays plain data: this is a
// serialization step only.
import { MERGE_KEY, YamlAlias, YamlAnchor } from '../yaml.ts';

/** The top-level key that holds the shared mappings; mihomo ignores keys it does not know. */
export const COMMON_KEY = 'x-proxy-common';

type Proxy = Record<string, unknown> & { name: string; type: string };
type Group = Record<string, unknown> & { proxies?: unknown };

// A proxy's own fields: never shared, and written first so each line still starts with its name.
const OWN = new Set(['name', 'server']);

/** `profile` with shared proxy fields anchored once and repeated group lists aliased. */
export function compactMihomo(profile: Record<string, unknown>): Record<string, unknown> {
  if (Object.hasOwn(profile, COMMON_KEY)) throw new Error(`mihomo profile: ${COMMON_KEY} is the compaction's own key`);
  const proxies = profile.proxies as Proxy[] | undefined;
  const groups = profile['proxy-groups'] as Group[] | undefined;
  const shared = proxies ? sharedFields(proxies) : new Map<string, Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile)) {
    if (key === 'proxies' && shared.size > 0) {
      // The anchors come first: an alias may only name an anchor written before it.
      out[COMMON_KEY] = Object.fromEntries([...shared].map(([type, fields]) => [type, new YamlAnchor(anchorOf(type), fields)]));
      out.proxies = proxies!.map((p) => withMerge(p, shared.get(p.type)));
    } else if (key === 'proxy-groups' && groups) {
      out[key] = aliasRepeatedLists(groups);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Per protocol with at least two proxies, the fields all of them set to the same value,
 * when there are at least two (`type` and one more: then each proxy saves more than the
 * `<<: *type, ` it pays). Decided on field names and counts, never on the values' lengths,
 * so a profile template (rendered with short markers for the user's credentials) is
 * compacted exactly as each user's own profile.
 */
function sharedFields(proxies: readonly Proxy[]): Map<string, Record<string, unknown>> {
  const byType = new Map<string, Proxy[]>();
  for (const p of proxies) {
    if (Object.hasOwn(p, MERGE_KEY)) throw new Error(`mihomo proxy ${JSON.stringify(p.name)}: a "${MERGE_KEY}" field`);
    byType.set(p.type, [...(byType.get(p.type) ?? []), p]);
  }
  const shared = new Map<string, Record<string, unknown>>();
  for (const [type, list] of byType) {
    if (list.length < 2) continue;
    const common: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(list[0])) {
      if (OWN.has(key) || value === undefined) continue;
      const text = JSON.stringify(value);
      if (list.every((p) => JSON.stringify(p[key]) === text)) common[key] = value;
    }
    if (Object.keys(common).length >= 2) shared.set(type, common);
  }
  return shared;
}

/** The proxy without its shared fields: name and server first, then the merge key, then the rest. */
function withMerge(p: Proxy, common: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!common) return p;
  const out: Record<string, unknown> = { name: p.name, server: p.server, [MERGE_KEY]: new YamlAlias(anchorOf(p.type)) };
  for (const [key, value] of Object.entries(p)) if (!Object.hasOwn(common, key) && !Object.hasOwn(out, key)) out[key] = value;
  return out;
}

/** Anchor names are lowercase words; protocol types already are (`vless`, `hysteria2`, `ss`). */
function anchorOf(type: string): string {
  const name = type.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return /^[a-z]/.test(name) ? name : `p-${name}`;
}

/** A group whose member list repeats an earlier group's aliases it (`auto` and `fallback` list every proxy). */
function aliasRepeatedLists(groups: readonly Group[]): Group[] {
  const first = new Map<string, number>();
  const out: Group[] = groups.map((g) => ({ ...g }));
  let n = 0;
  out.forEach((g, i) => {
    if (!Array.isArray(g.proxies) || g.proxies.length < 2) return;
    const text = JSON.stringify(g.proxies);
    const at = first.get(text);
    if (at === undefined) return void first.set(text, i);
    const earlier = out[at];
    if (!(earlier.proxies instanceof YamlAnchor)) earlier.proxies = new YamlAnchor(`members-${++n}`, earlier.proxies as unknown[]);
    g.proxies = new YamlAlias((earlier.proxies as YamlAnchor).name);
  });
  return out;
}
