// Writes rendered files into the build directory so that a reader (deploy, site, a person)
// never sees half of a render: everything goes to a temporary directory inside the output
// directory first (same file system, so rename is atomic), then each top-level folder is
// swapped in with one rename. Folders of nodes and users that no longer exist vanish with
// the old folder. Files hold credentials, so they are readable by the owner only.
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One top-level folder of the build: `nodes` or `users`, each entry a folder of files. */
export interface BuildSection {
  name: 'nodes' | 'users';
  entries: Map<string, Record<string, string>>;
  /** Entries not re-rendered this time whose existing folder is kept as it is. */
  keep?: string[];
}

export interface WriteResult { files: number; bytes: number }

export function writeBuild(outDir: string, sections: BuildSection[]): WriteResult {
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(outDir, '.render-'));
  const result: WriteResult = { files: 0, bytes: 0 };
  try {
    for (const section of sections) {
      const target = join(tmp, section.name);
      mkdirSync(target, { mode: 0o700 });
      for (const name of section.keep ?? []) {
        const old = join(outDir, section.name, name);
        if (existsSync(old)) cpSync(old, join(target, name), { recursive: true });
      }
      for (const [name, files] of section.entries) {
        const dir = join(target, name);
        mkdirSync(dir, { mode: 0o700 });
        for (const [file, text] of Object.entries(files)) {
          writeFileSync(join(dir, file), text, { mode: 0o600 });
          result.files++;
          result.bytes += Buffer.byteLength(text);
        }
      }
    }
    for (const section of sections) {
      const live = join(outDir, section.name);
      if (existsSync(live)) renameSync(live, join(tmp, `${section.name}.old`));
      renameSync(join(tmp, section.name), live);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}
