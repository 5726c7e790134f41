// Profile templates. Users who see the same nodes in the same order get profiles that
// differ only in their credentials (labels, groups, order, node keys and certificates do
// not depend on the user). So the profile is rendered once for a MarkerIdentity through
// the ordinary mappers and serializers, cut at the markers, and filled in per user: string
// concatenation instead of building and serializing some 400 objects per user.
//
// A template is trusted only after it reproduced, byte for byte, the direct render of the
// user it was built with (files.ts). Where a single share link cannot be cut (vmess://
// is base64 of JSON, so the markers are not visible in it) that link is rendered the
// direct way for every user; where a whole document cannot, the template is not used.
import type { FleetSettings, Node } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import { endpointOf, type Endpoint, type Identity } from '../endpoint.ts';
import { compactJson } from '../json.ts';
import { endpointsFor } from './endpoints.ts';
import { directProfile, profileFiles, type ProfileBytes, type ProfileFiles } from './files.ts';
import { shareLink, subscriptionBody } from './links/subscription.ts';
import {
  cutText, fill, fillBytes, hasMarker, joinTemplates, keyedHole, MarkerIdentity, RAW_MARKER, substitute, URI_MARKER, valuesOf,
  type Template, type Values,
} from './markers.ts';
import { compactMihomo } from './mihomo/compact.ts';
import { mihomoProfileOf } from './mihomo/profile.ts';
import { singboxProfileOf } from './singbox/profile.ts';
import { yamlEmit, yamlString } from './yaml.ts';

export interface ProfileTemplate {
  markers: MarkerIdentity;
  singbox: Template;
  mihomo: Template;
  /** The share links joined by newlines, before the subscription's base64. */
  links: Template;
}

export function fillTemplate(t: ProfileTemplate, who: Identity): ProfileFiles {
  const v = valuesOf(t.markers, who);
  return {
    'sing-box.json': fill(t.singbox, v),
    'mihomo.yaml': fill(t.mihomo, v),
    'links.txt': subscriptionBody([fill(t.links, v)]),
  };
}

/** fillTemplate as the UTF-8 bytes of each file (what a site build writes). */
export function fillTemplateBytes(t: ProfileTemplate, who: Identity): ProfileBytes {
  const v = valuesOf(t.markers, who);
  return {
    'sing-box.json': fillBytes(t.singbox, v),
    'mihomo.yaml': fillBytes(t.mihomo, v),
    'links.txt': Buffer.from(fillBytes(t.links, v).toString('base64'), 'latin1'),
  };
}

/**
 * Renders `who`'s profile the direct way and builds the template of these nodes from it.
 * `template` is undefined when the template did not reproduce `who`'s files exactly.
 */
export function buildTemplate(
  settings: FleetSettings, nodes: readonly Node[], store: CredentialStore, who: Identity,
): { files: ProfileFiles; template?: ProfileTemplate } {
  const real = endpointsFor(nodes, store, who);
  const direct = directProfile(settings, real);
  const files = profileFiles(direct);
  const markers = new MarkerIdentity();
  const marked = endpointsFor(nodes, store, markers);
  if (marked.length !== real.length || marked.some((e, i) => e.label !== real[i].label)) return { files };

  const links = linkTemplates(marked, direct.links, store, valuesOf(markers, who));
  if (!links) return { files };
  const template: ProfileTemplate = {
    markers,
    // JSON escapes character by character, so a JSON-escaped value fills a hole exactly.
    singbox: cutText(compactJson(singboxProfileOf(settings, marked)), RAW_MARKER, jsonInner, 'json'),
    mihomo: yamlTemplate(compactMihomo(mihomoProfileOf(settings, marked))),
    links: joinTemplates(links, '\n'),
  };
  const check = fillTemplate(template, who);
  const same = check['sing-box.json'] === files['sing-box.json'] && check['mihomo.yaml'] === files['mihomo.yaml']
    && check['links.txt'] === files['links.txt'];
  return same ? { files, template } : { files };
}

const jsonInner = (value: string): string => JSON.stringify(value).slice(1, -1);

/**
 * Whether a YAML string is written plain or quoted depends on the whole string, so a
 * scalar with a marker becomes a hole that writes the user's whole string anew.
 */
function yamlTemplate(root: Record<string, unknown>): Template {
  const t: Template = { lits: [''], holes: [] };
  yamlEmit(root, {
    text: (s) => { t.lits[t.lits.length - 1] += s; },
    scalar: (s, flow) => {
      if (!hasMarker(s)) {
        t.lits[t.lits.length - 1] += yamlString(s, flow);
        return;
      }
      const key = `yaml${flow ? 'f' : ''}\u0000${s}`;
      t.holes.push(keyedHole(key, (v) => yamlString(substitute(s, v), flow)));
      t.lits.push('');
    },
  });
  return t;
}

/**
 * One template per share link, each checked against the direct link. A link whose
 * markers do not come out as percent-encoded text becomes a hole that renders that one
 * endpoint the direct way. Undefined if which endpoints have a link depended on the user.
 */
function linkTemplates(marked: Endpoint[], direct: (string | undefined)[], store: CredentialStore, values: Values): Template[] | undefined {
  const out: Template[] = [];
  for (const [i, ep] of marked.entries()) {
    const want = direct[i];
    const link = shareLink(ep);
    if ((link === undefined) !== (want === undefined)) return undefined;
    if (link === undefined) continue;
    const cut = cutText(link, URI_MARKER, encodeURIComponent, 'uri');
    if (fill(cut, values) === want) out.push(cut);
    else out.push({ lits: ['', ''], holes: [(v) => directLink(ep, store, v)] });
  }
  return out;
}

function directLink(marked: Endpoint, store: CredentialStore, v: Values): string {
  const link = shareLink(endpointOf(marked.node, marked.inbound, store, v.who, marked.label));
  if (link === undefined) throw new Error(`endpoint ${marked.label}: no share link`);
  return link;
}
