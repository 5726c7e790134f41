// Which profiles are rendered from a template. Templates live per fleet model and
// credential store (both are fixed for a render: loadFleet deep-freezes the model), keyed
// by the user's node list (and each node's listed inbounds). A node list seen once is rendered the direct way: building a
// template costs about two direct renders, so it only pays off from the second user on.
// The number of templates kept is bounded, so a fleet where every user sees different
// nodes costs no more memory than the direct way.
import type { Fleet, FleetSettings, Node } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import type { Identity } from '../endpoint.ts';
import { endpointsFor } from './endpoints.ts';
import { directProfile, profileBytes, profileFiles, type ProfileBytes, type ProfileFiles } from './files.ts';
import { buildTemplate, fillTemplate, fillTemplateBytes, type ProfileTemplate } from './template.ts';

const MAX_TEMPLATES = 32;
const MAX_SEEN = 4096;

class ProfileCache {
  /** Node lists rendered once; null in templates = the template did not check out. */
  readonly #seen = new Set<string>();
  readonly #templates = new Map<string, ProfileTemplate | null>();

  constructor(readonly settings: FleetSettings, readonly nodes: readonly Node[], readonly store: CredentialStore) {}

  render(nodes: readonly Node[], who: Identity): ProfileFiles {
    const r = this.#resolve(nodes, who);
    return 'template' in r ? fillTemplate(r.template, who) : r.files;
  }

  /** render() as UTF-8 bytes; from a template without building the strings at all. */
  renderBytes(nodes: readonly Node[], who: Identity): ProfileBytes {
    const r = this.#resolve(nodes, who);
    return 'template' in r ? fillTemplateBytes(r.template, who) : profileBytes(r.files);
  }

  #resolve(nodes: readonly Node[], who: Identity): { template: ProfileTemplate } | { files: ProfileFiles } {
    // The inbounds too: recovery lists a node with other inbounds for users in some regions.
    const key = nodes.map((n) => `${n.name}:${n.inbounds.map((i) => i.tag).join(',')}`).join('\n');
    const template = this.#templates.get(key);
    if (template) {
      // Least recently used goes first: re-insert to move this one to the end.
      this.#templates.delete(key);
      this.#templates.set(key, template);
      return { template };
    }
    if (template === null || !this.#seen.has(key)) {
      if (template === undefined) this.#see(key);
      return { files: profileFiles(directProfile(this.settings, endpointsFor(nodes, this.store, who))) };
    }
    const built = buildTemplate(this.settings, nodes, this.store, who);
    this.#templates.set(key, built.template ?? null);
    if (this.#templates.size > MAX_TEMPLATES) this.#templates.delete(this.#templates.keys().next().value!);
    return { files: built.files };
  }

  #see(key: string): void {
    if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
    this.#seen.add(key);
  }
}

const caches = new WeakMap<Fleet, WeakMap<CredentialStore, ProfileCache>>();

/** The cache of this fleet and store; a fresh one if the fleet's settings or nodes were replaced. */
export function profileCache(fleet: Fleet, store: CredentialStore): ProfileCache {
  let byStore = caches.get(fleet);
  if (!byStore) caches.set(fleet, (byStore = new WeakMap()));
  let cache = byStore.get(store);
  if (!cache || cache.settings !== fleet.settings || cache.nodes !== fleet.nodes) {
    cache = new ProfileCache(fleet.settings, fleet.nodes, store);
    byStore.set(store, cache);
  }
  return cache;
}
