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
import { join } from 'node:path';
import { markOutputDir } from '../files/output-dir.ts';
import { FileWriter } from '../files/writer.ts';

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
  // Credentials inside: readable by the owner only.
  const writer = new FileWriter(tmp, { file: 0o600, dir: 0o700 });
  let ok = false;
  try {
    for (const section of sections) {
      mkdirSync(join(tmp, section.name), { mode: 0o700 });
      for (const name of section.keep ?? []) {
        const old = join(outDir, section.name, name);
        if (existsSync(old)) cpSync(old, join(tmp, section.name, name), { recursive: true });
      }
      let count = 0;
      for (const [name, files] of section.entries) {
        for (const [file, text] of Object.entries(files)) writer.write(`${section.name}/${name}/${file}`, text);
        count++;
        // Bounded: finished writes hand their thread back while the next entry is rendered.
        await writer.settle(IN_FLIGHT);
      }
      result.entries[section.name] = count;
    }
    await writer.settle();
    for (const section of sections) {
      const live = join(outDir, section.name);
      if (existsSync(live)) renameSync(live, join(tmp, `${section.name}.old`));
      renameSync(join(tmp, section.name), live);
    }
    markOutputDir(outDir);
    ok = true;
  } finally {
    // Never delete under a write still running (a failed render leaves some in flight).
    await writer.settle().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    // A render that failed before anything was swapped in leaves no empty output folder.
    if (!ok && created && readdirSync(outDir).length === 0) rmdirSync(outDir);
  }
  result.files = writer.files;
  result.bytes = writer.bytes;
  return result;
}
