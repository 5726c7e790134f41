// The three files of one profile, rendered the direct way: from the endpoints of one
// identity through the mappers and serializers. This is the definition of what a profile
// is; the templates in template.ts only make it cheaper to repeat for many users, and are
// checked against this function before they are trusted.
import type { FleetSettings } from '../../model/types.ts';
import type { Endpoint } from '../endpoint.ts';
import { compactJson } from '../json.ts';
import { shareLink, subscriptionBody } from './links/subscription.ts';
import { compactMihomo } from './mihomo/compact.ts';
import { mihomoProfileOf } from './mihomo/profile.ts';
import { singboxProfileOf } from './singbox/profile.ts';
import { yamlDocument } from './yaml.ts';

export type ProfileFiles = {
  'sing-box.json': string;
  'mihomo.yaml': string;
  'links.txt': string;
};

/** The same files as UTF-8 bytes. */
export type ProfileBytes = Record<keyof ProfileFiles, Buffer>;

export function profileBytes(files: ProfileFiles): ProfileBytes {
  return {
    'sing-box.json': Buffer.from(files['sing-box.json'], 'utf8'),
    'mihomo.yaml': Buffer.from(files['mihomo.yaml'], 'utf8'),
    'links.txt': Buffer.from(files['links.txt'], 'utf8'),
  };
}

/** The mihomo profile as YAML text, what it repeats written once (mihomo/compact.ts). */
export function mihomoYaml(profile: Record<string, unknown>): string {
  return yamlDocument(compactMihomo(profile));
}

/** The documents before the links are joined: templates compare link by link. */
export interface DirectProfile {
  singbox: string;
  mihomo: string;
  /** One entry per endpoint; undefined where the endpoint has no share link. */
  links: (string | undefined)[];
}

export function directProfile(settings: FleetSettings, endpoints: readonly Endpoint[]): DirectProfile {
  return {
    singbox: compactJson(singboxProfileOf(settings, endpoints)),
    mihomo: mihomoYaml(mihomoProfileOf(settings, endpoints)),
    links: endpoints.map(shareLink),
  };
}

export function profileFiles(p: DirectProfile): ProfileFiles {
  return {
    'sing-box.json': p.singbox,
    'mihomo.yaml': p.mihomo,
    'links.txt': subscriptionBody(p.links.filter((l): l is string => l !== undefined)),
  };
}
