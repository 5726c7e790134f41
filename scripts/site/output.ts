// Writing the site: everything goes into a fresh sibling directory, which then replaces
// the output in two renames. A failed or interrupted build never leaves a half-written
// site where a web server or the publishing step could pick it up.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileWriter } from '../files/writer.ts';
import { markOutputDir } from '../files/output-dir.ts';

export { FileWriter } from '../files/writer.ts';

/**
 * The site is published: every file is readable by all (GitHub Pages refuses an artifact
 * whose files or folders others cannot read, with deployment_perms_error). Secrecy comes
 * from the unguessable token folders, not from modes. `fleet render`'s output, which is
 * never published, is owner-only (0600/0700).
 */
export const SITE_MODES = { file: 0o644, dir: 0o755 } as const;

export class SiteWriter extends FileWriter {
  readonly final: string;

  constructor(outDir: string) {
    const final = resolve(outDir);
    super(`${final}.tmp-${process.pid}`, SITE_MODES);
    this.final = final;
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: SITE_MODES.dir });
  }

  /** Swaps the new site in. Between the two renames the old one is still whole at `.old-`. */
  commit(): void {
    markOutputDir(this.dir);
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
