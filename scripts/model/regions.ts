// Regions are one namespace, declared in fleet.yaml `regions:` with a title per language:
// where nodes are, where probe vantages are, where users are, the regions a user prefers
// and the regions with a deploy window all name one of them. A fleet that declares none
// (written before regions had titles) still loads: the slugs are its regions, pages show
// them as they are, and validate says once how to declare them.
import type { Diagnostic } from './diagnostics.ts';
import { nearest } from './diagnostics.ts';
import type { ParsedFile } from './parse.ts';
import { positionOf } from './parse.ts';
import type { FleetSettings, Node, User } from './types.ts';
import type { Sources } from './semantic.ts';

/** Every place a region slug is used, with the file and path that says it. */
function regionUses(settings: FleetSettings, nodes: Node[], users: User[], src: Sources): { slug: string; parsed: ParsedFile; path: (string | number)[]; which?: 'key' }[] {
  return [
    ...nodes.map((n) => ({ slug: n.region, parsed: src.nodes.get(n.name)!, path: ['region'] })),
    ...settings.probe.vantages.map((v, i) => ({ slug: v.region, parsed: src.fleet, path: ['probe', 'vantages', i, 'region'] })),
    ...users.flatMap((u) => [
      ...(u.region ? [{ slug: u.region, parsed: src.users.get(u.name)!, path: ['region'] }] : []),
      ...(u.prefer_regions ?? []).map((r, i) => ({ slug: r, parsed: src.users.get(u.name)!, path: ['prefer_regions', i] })),
    ]),
    ...Object.keys(settings.deploy.window).map((r) => ({ slug: r, parsed: src.fleet, path: ['deploy', 'window', r], which: 'key' as const })),
  ];
}

export function checkRegions(settings: FleetSettings, nodes: Node[], users: User[], src: Sources): Diagnostic[] {
  const out: Diagnostic[] = [];
  const uses = regionUses(settings, nodes, users, src);
  const declared = Object.keys(settings.regions);
  if (declared.length === 0) {
    const used = [...new Set(uses.map((u) => u.slug))].sort();
    if (used.length > 0) {
      out.push({
        severity: 'warning', file: src.fleet.file, line: 1, col: 1,
        message: `fleet.yaml declares no \`regions:\`, so pages show the slugs ${used.map((r) => `\`${r}\``).join(', ')} as titles`,
        hint: `declare each with its titles, e.g. \`regions: { ${used[0]}: { title: { en: …, zh-CN: … } } }\``,
      });
    }
    return out;
  }
  for (const u of uses) {
    if (declared.includes(u.slug)) continue;
    const guess = nearest(u.slug, declared);
    out.push({
      severity: 'error', file: u.parsed.file, ...positionOf(u.parsed, u.path, u.which ?? 'value'),
      message: `region \`${u.slug}\` is not declared in fleet.yaml \`regions:\``,
      hint: guess ? `did you mean \`${guess}\`? (declared: ${declared.join(', ')})` : `add \`${u.slug}: { title: { en: …, zh-CN: … } }\` under \`regions:\` in fleet.yaml`,
    });
  }
  return out;
}

/** What pages call a region: its declared title in that language, else the slug. */
export function regionTitle(settings: Pick<FleetSettings, 'regions'>, slug: string, lang: 'en' | 'zh-CN'): string {
  return (Object.hasOwn(settings.regions, slug) ? settings.regions[slug]!.title[lang] : undefined) ?? slug;
}

/** The regions whose nodes come first for a user: `prefer_regions`, else where the user is. */
export function preferredRegions(user: Pick<User, 'region' | 'prefer_regions'>): string[] {
  return user.prefer_regions ?? (user.region ? [user.region] : []);
}
