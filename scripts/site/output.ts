// Writing the site: everything goes into a fresh sibling directory, which then replaces
// the output in two renames. A failed or interrupted build never leaves a half-written
// site where a web server or the publishing step could pick it up.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Writes files under an existing directory (worker threads write user folders with one).
 * Writes are asynchronous so the disk works while the thread renders the next user: on a
 * busy machine a synchronous write per file was a third of the build. `settle()` bounds
 * the queue and surfaces the first failure.
 */
export class FileWriter {
  files = 0;
  bytes = 0;
  readonly #made = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  #error: Error | undefined;

  constructor(readonly dir: string) {}

  write(path: string, content: string): void {
    const full = join(this.dir, path);
    const parent = dirname(full);
    if (!this.#made.has(parent)) { mkdirSync(parent, { recursive: true }); this.#made.add(parent); }
    const p: Promise<void> = writeFile(full, content)
      .catch((e: Error) => { this.#error ??= e; })
      .finally(() => { this.#pending.delete(p); });
    this.#pending.add(p);
    this.files++;
    this.bytes += Buffer.byteLength(content);
  }

  /** Waits until at most `max` writes are in flight (all of them by default). */
  async settle(max = 0): Promise<void> {
    while (this.#pending.size > max) await Promise.race(this.#pending);
    if (this.#error) throw this.#error;
  }

  /** The same files in each directory (`''` = the root). */
  writeAll(dirs: string[], files: [string, string][]): void {
    for (const dir of dirs) for (const [name, content] of files) this.write(dir ? `${dir}/${name}` : name, content);
  }
}

export class SiteWriter extends FileWriter {
  readonly final: string;

  constructor(outDir: string) {
    const final = resolve(outDir);
    super(`${final}.tmp-${process.pid}`);
    this.final = final;
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Swaps the new site in. Between the two renames the old one is still whole at `.old-`. */
  commit(): void {
    const old = `${this.final}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    if (existsSync(this.final)) renameSync(this.final, old);
    renameSync(this.dir, this.final);
    rmSync(old, { recursive: true, force: true });
  }

  abort(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
