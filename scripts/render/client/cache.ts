// Which profiles are rendered from a template. Templates live per fleet model and
// credential store (both are fixed for a render: loadFleet deep-freezes the model), keyed
// by the user's node list (and each node's listed inbounds); core/template-cache.ts decides
// when one is built and how many are kept.
import type { Fleet, FleetSettings, Node } from '../../model/types.ts';
import type { CredentialStore } from '../../secrets/index.ts';
import { TemplateCache } from '../../core/template-cache.ts';
import type { Identity } from '../endpoint.ts';
import { endpointsFor } from './endpoints.ts';
import { directProfile, profileBytes, profileFiles, type ProfileBytes, type ProfileFiles } from './files.ts';
import { buildTemplate, fillTemplate, fillTemplateBytes, type ProfileTemplate } from './template.ts';

class ProfileCache {
  readonly #templates = new TemplateCache<ProfileTemplate>();

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
    if (template) return { template };
    if (template === null || !this.#templates.worthBuilding(key)) {
      return { files: profileFiles(directProfile(this.settings, endpointsFor(nodes, this.store, who))) };
    }
    const built = buildTemplate(this.settings, nodes, this.store, who);
    this.#templates.set(key, built.template ?? null);
    return { files: built.files };
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
