// Many files written under one folder: by default with bounded asynchronous writes (the
// disk works while the thread renders the next file, memory stays flat, and the first
// failure is thrown by settle()), or synchronously for a worker thread that has nothing
// else to do. The render build, the site and its worker threads write through it; each
// swaps its finished tree into place in its own way (render/write.ts, site/output.ts).
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Encoding buffers are reused: a fresh 50 KB buffer per profile file cost more than its write. */
const BUFFER_SIZE = 256 * 1024;

export interface FileModes {
  /** Mode of every file written (default: 0o666 less the umask). */
  file?: number;
  /** Mode of every folder created (default: 0o777 less the umask). */
  dir?: number;
  /**
   * Write each file before returning. For a worker thread that does nothing else: there
   * the queue's promises and thread-pool hops cost more than they overlap (about 8% of a
   * site build on tmpfs), and the main thread stays free anyway.
   */
  sync?: boolean;
}

/** A file's content: text (written as UTF-8) or bytes already encoded. */
export type FileContent = string | Uint8Array;

/**
 * Writes files under an existing directory. Queued writes suit the main thread: on a busy
 * machine a synchronous write per file there was a third of the build. `settle()` bounds
 * the queue and surfaces the first failure (with `sync`, each write throws its own).
 */
export class FileWriter {
  files = 0;
  bytes = 0;
  /** Folder → its mkdir, which the writes into it wait for (the thread does not). */
  readonly #made = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #free: Buffer[] = [];
  #error: Error | undefined;

  constructor(readonly dir: string, readonly modes: FileModes = {}) {}

  write(path: string, content: FileContent): void {
    this.writeAll([''], [[path, content]]);
  }

  /** The full path of `path`, and the promise that its folder exists. */
  #target(path: string): [string, Promise<unknown>] {
    const full = join(this.dir, path);
    const parent = dirname(full);
    let made = this.#made.get(parent);
    if (!made) {
      made = parent === this.dir ? Promise.resolve() : mkdir(parent, { recursive: true, mode: this.modes.dir });
      this.#made.set(parent, made);
      this.#track(made);
    }
    return [full, made];
  }

  #track(work: Promise<unknown>): Promise<void> {
    const p: Promise<void> = work
      .then(() => {}, (e: Error) => { this.#error ??= e; })
      .finally(() => { this.#pending.delete(p); });
    this.#pending.add(p);
    return p;
  }

  /** Waits until at most `max` writes are in flight (all of them by default). */
  async settle(max = 0): Promise<void> {
    while (this.#pending.size > max) await Promise.race(this.#pending);
    if (this.#error) throw this.#error;
  }

  /**
   * The same files in each directory (`''` = the root). The first directory gets written
   * files; the others get hard links to them: same bytes, but creating a file (an inode)
   * is most of a write's cost, and a link makes none. A grace token folder is such a copy.
   */
  writeAll(dirs: string[], files: [string, FileContent][]): void {
    if (!dirs.length) return;
    const [first, ...rest] = dirs.map((dir) => (dir ? `${dir}/` : ''));
    if (this.modes.sync) return this.#writeAllNow(first, rest, files);
    for (const [name, content] of files) {
      const [src, made] = this.#target(`${first}${name}`);
      // UTF-8 is at most 3 bytes per UTF-16 unit: a pooled buffer always fits what it gets.
      const pooled = typeof content === 'string' && content.length * 3 <= BUFFER_SIZE ? this.#free.pop() ?? Buffer.allocUnsafeSlow(BUFFER_SIZE) : undefined;
      const data = pooled ? pooled.subarray(0, pooled.write(content as string)) : typeof content === 'string' ? Buffer.from(content) : content;
      const written = this.#track(made.then(() => writeFile(src, data, { mode: this.modes.file })).finally(() => { if (pooled) this.#free.push(pooled); }));
      for (const dir of rest) {
        const [dst, madeDst] = this.#target(`${dir}${name}`);
        this.#track(Promise.all([written, madeDst]).then(() => { if (!this.#error) return link(src, dst); }));
      }
      this.files += dirs.length;
      this.bytes += data.length * dirs.length;
    }
  }

  #writeAllNow(first: string, rest: string[], files: [string, FileContent][]): void {
    for (const [name, content] of files) {
      const src = join(this.dir, first, name);
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      this.#mkdirNow(dirname(src));
      writeFileSync(src, data, { mode: this.modes.file });
      for (const dir of rest) {
        const dst = join(this.dir, dir, name);
        this.#mkdirNow(dirname(dst));
        linkSync(src, dst);
      }
      this.files += 1 + rest.length;
      this.bytes += data.length * (1 + rest.length);
    }
  }

  #mkdirNow(dir: string): void {
    if (dir === this.dir || this.#made.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: this.modes.dir });
    this.#made.set(dir, Promise.resolve());
  }
}
