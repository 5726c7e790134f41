// Writing the site: everything goes into a fresh sibling directory, which then replaces
// the output in two renames. A failed or interrupted build never leaves a half-written
// site where a web server or the publishing step could pick it up.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileWriter } from '../files/writer.ts';
import { markOutputDir } from '../files/output-dir.ts';

export { FileWriter } from '../files/writer.ts';

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
