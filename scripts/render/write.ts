// Writes rendered files into the build directory so that a reader (deploy, site, a person)
// never sees half of a render: everything goes to a temporary directory inside the output
// directory first (same file system, so rename is atomic), then each top-level folder is
// swapped in with one rename. Folders of nodes and users that no longer exist vanish with
// the old folder. Files hold credentials, so they are readable by the owner only.
//
// Sections may be lazy: a fleet's user profiles are hundreds of megabytes, so they are
// rendered while earlier ones are being written, and only a bounded number of files is
// held in memory. No file is fsynced: atomicity comes from the renames, and a crash
// before them leaves only the temporary directory (removed by the next render).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markOutputDir } from '../files/output-dir.ts';

/** One top-level folder of the build: `nodes` or `users`, each entry a folder of files. */
export interface BuildSection {
  name: 'nodes' | 'users';
  /** A Map, or an iterable that renders each entry when it is asked for the next one. */
  entries: Iterable<[string, Record<string, string>]>;
  /** Entries not re-rendered this time whose existing folder is kept as it is. */
  keep?: string[];
}

export interface WriteResult {
  files: number;
  bytes: number;
  /** Entries (folders) written per section. */
  entries: Partial<Record<BuildSection['name'], number>>;
}

/** Files being written at once: enough to keep the thread pool busy, little memory. */
const IN_FLIGHT = 64;

export async function writeBuild(outDir: string, sections: BuildSection[]): Promise<WriteResult> {
  const created = !existsSync(outDir);
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(outDir, '.render-'));
  const result: WriteResult = { files: 0, bytes: 0, entries: {} };
  const writes = new Writes();
  let ok = false;
  try {
    for (const section of sections) {
      const target = join(tmp, section.name);
      mkdirSync(target, { mode: 0o700 });
      for (const name of section.keep ?? []) {
        const old = join(outDir, section.name, name);
        if (existsSync(old)) cpSync(old, join(target, name), { recursive: true });
      }
      let count = 0;
      for (const [name, files] of section.entries) {
        const dir = join(target, name);
        mkdirSync(dir, { mode: 0o700 });
        for (const [file, text] of Object.entries(files)) {
          const data = Buffer.from(text, 'utf8');
          result.files++;
          result.bytes += data.length;
          await writes.add(writeFile(join(dir, file), data, { mode: 0o600 }));
        }
        count++;
        // Let finished writes hand their thread back while the next entry is rendered.
        await writes.breathe();
      }
      result.entries[section.name] = count;
    }
    await writes.drain();
    for (const section of sections) {
      const live = join(outDir, section.name);
      if (existsSync(live)) renameSync(live, join(tmp, `${section.name}.old`));
      renameSync(join(tmp, section.name), live);
    }
    markOutputDir(outDir);
    ok = true;
  } finally {
    // Never delete under a write still running (a failed render leaves some in flight).
    await writes.settle();
    rmSync(tmp, { recursive: true, force: true });
    // A render that failed before anything was swapped in leaves no empty output folder.
    if (!ok && created && readdirSync(outDir).length === 0) rmdirSync(outDir);
  }
  return result;
}

/** Writes in flight: at most IN_FLIGHT, the first failure is thrown once they are done. */
class Writes {
  readonly #pending = new Set<Promise<void>>();
  #failure: { error: unknown } | undefined;

  async add(write: Promise<void>): Promise<void> {
    const p: Promise<void> = write.then(
      () => { this.#pending.delete(p); },
      (error: unknown) => { this.#pending.delete(p); this.#failure ??= { error }; },
    );
    this.#pending.add(p);
    if (this.#pending.size >= IN_FLIGHT) await Promise.race(this.#pending);
    this.#throwIfFailed();
  }

  /** One turn of the event loop, so completed writes start their next step (open, write, close). */
  async breathe(): Promise<void> {
    if (this.#pending.size > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    this.#throwIfFailed();
  }

  async drain(): Promise<void> {
    await this.settle();
    this.#throwIfFailed();
  }

  /** Waits for every write without throwing. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
