// Writes the rendered tree. Each file goes to a temp name and is renamed into place:
// Prometheus watches the file_sd files and would otherwise read a half-written one
// (and then wait for its next refresh).
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeAtomic(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** Writes files under outDir; removes certificates of nodes that left the fleet. */
export function writeTree(outDir: string, files: Map<string, string>): void {
  for (const [path, content] of files) writeAtomic(join(outDir, path), content);
  const certDir = join(outDir, 'blackbox/certs');
  let present: string[] = [];
  try { present = readdirSync(certDir); } catch { /* no certificates */ }
  for (const f of present) if (!files.has(`blackbox/certs/${f}`)) rmSync(join(certDir, f), { force: true });
}
