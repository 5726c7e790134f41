// Which renders are made from a template, for profiles (render/client/cache.ts) and pages
// (site/page-template.ts) alike: a key (a node list, a page shape) seen once is rendered
// the direct way, since building a template costs about two direct renders and only pays
// off from the second user on; from then on its template is kept, or null when it did not
// reproduce the direct render. Both are bounded, so a fleet where every user differs
// costs no more memory than the direct way.

export class TemplateCache<T> {
  readonly #seen = new Set<string>();
  readonly #templates = new Map<string, T | null>();

  constructor(readonly maxTemplates = 32, readonly maxSeen = 4096) {}

  /** The key's template (now the most recently used), null if it did not check out, undefined if none was built. */
  get(key: string): T | null | undefined {
    const template = this.#templates.get(key);
    if (template) {
      // Least recently used goes first: re-insert to move this one to the end.
      this.#templates.delete(key);
      this.#templates.set(key, template);
    }
    return template;
  }

  /** Whether a template is worth building for the key: true from its second render on. */
  worthBuilding(key: string): boolean {
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= this.maxSeen) this.#seen.clear();
    this.#seen.add(key);
    return false;
  }

  set(key: string, template: T | null): void {
    this.#templates.set(key, template);
    if (this.#templates.size > this.maxTemplates) this.#templates.delete(this.#templates.keys().next().value!);
  }
}
