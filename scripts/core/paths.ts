// Where the project's files are, for code that reads them at run time (schemas, templates,
// the node scripts). The same code runs from its TypeScript source (scripts/<stage>/) and
// from the bundle `npm run build` writes (.build/), so paths start at the project's root
// (the nearest folder above with a package.json), never at the running file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = projectRoot(import.meta.dirname);

/** A file of the project, by its path from the root (e.g. `scripts/model/schema/node.schema.json`). */
export function projectPath(relative: string): string {
  return join(PROJECT_ROOT, relative);
}

export function readProjectJson(relative: string): unknown {
  return JSON.parse(readFileSync(projectPath(relative), 'utf8'));
}
