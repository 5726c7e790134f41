// Loads fleet.yaml, nodes/*.yaml and users/*.yaml into one immutable Fleet, or explains
// exactly what is wrong. Reading files is the only I/O in the model stage.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { completeNode, completeSettings, completeUser } from './defaults.ts';
import { errorsOf, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { MAX_FILE_BYTES, parseYamlFile, positionOf, type ParsedFile } from './parse.ts';
import { validateAgainstSchema, type FileKind } from './schema.ts';
import { semanticChecks, type Sources } from './semantic.ts';
import type { Fleet, FleetSettings, Node, User } from './types.ts';
import { byText } from '../core/order.ts';
import { NotPlainFileError, readPlainBytes } from '../files/plain-file.ts';

export interface LoadResult { fleet?: Fleet; diagnostics: Diagnostic[] }

/** A source for the fleet's files: the working tree, or a Git ref (see plan). */
export interface FileSource {
  read(path: string): Buffer | undefined;
  list(dir: string): string[];
}

/** A fleet path that is not a plain file or folder of the repository (a symlink, FIFO, device). */
export class UnreadableFile extends Error {
  constructor(message: string, readonly hint: string) { super(message); }
}

const LINK = new UnreadableFile('is a symbolic link: fleet files are read only as regular files inside the repository', 'commit the file itself, not a link to it');

/**
 * The working tree. Hostile commits are expected: a link (to /dev/zero, to a file outside
 * the repository) or a FIFO is refused, never followed or waited on, and no read goes past
 * the size limit whatever the file claims.
 */
export function dirSource(root: string): FileSource {
  return {
    read(path) {
      try {
        // One byte past the limit tells the parser the file is too large.
        return readPlainBytes(join(root, path), path, MAX_FILE_BYTES);
      } catch (e) {
        if (e instanceof NotPlainFileError) {
          if (e.what === 'a symlink') throw LINK;
          throw new UnreadableFile(`is not a regular file (${e.what})`, 'commit a plain YAML file');
        }
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new UnreadableFile(`cannot be read (${code})`, 'make it a readable regular file');
      }
    },
    list(dir) {
      const full = join(root, dir);
      const st = lstatSyncOrUndefined(full);
      if (!st) return [];
      if (st.isSymbolicLink()) throw LINK;
      if (!st.isDirectory()) throw new UnreadableFile('is not a folder', `make ${dir}/ a folder of YAML files`);
      return readdirSync(full).sort();
    },
  };
}

function lstatSyncOrUndefined(p: string): Stats | undefined {
  try { return lstatSync(p); } catch { return undefined; }
}

/** Runs a read of the source, turning a refused path into a diagnostic at its file. */
function guarded<T>(file: string, out: Diagnostic[], fallback: T, fn: () => T): T {
  try { return fn(); } catch (e) {
    if (!(e instanceof UnreadableFile)) throw e;
    out.push({ severity: 'error', file, line: 1, col: 1, message: `${file} ${e.message}`, hint: e.hint });
    return fallback;
  }
}

const SAFE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function loadFleet(root: string, now: Date, source: FileSource = dirSource(root)): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const fleetFile = readKind(source, 'fleet.yaml', 'fleet', diagnostics);
  if (!fleetFile && errorsOf(diagnostics).length === 0) {
    diagnostics.push({ severity: 'error', file: 'fleet.yaml', line: 1, col: 1, message: `no fleet.yaml in ${root}`, hint: 'run from the fleet repository or pass --root DIR' });
  }
  const nodeFiles = readDir(source, 'nodes', 'node', diagnostics);
  const userFiles = readDir(source, 'users', 'user', diagnostics);
  if (errorsOf(diagnostics).length > 0 || !fleetFile) return { diagnostics: sortDiagnostics(diagnostics) };

  const settings = completeSettings(fleetFile.value as Record<string, unknown>);
  const nodes = [...nodeFiles.values()].map((p) => completeNode(p.value as Record<string, unknown>));
  const users = [...userFiles.values()].map((p) => completeUser(p.value as Record<string, unknown>));
  const sources: Sources = { fleet: fleetFile, nodes: nodeFiles, users: userFiles };
  diagnostics.push(...semanticChecks(settings, nodes, users, sources, now));
  for (const node of nodes) {
    if (node.maintenance && node.enabled) {
      const parsed = nodeFiles.get(node.name)!;
      diagnostics.push({ severity: 'warning', file: parsed.file, ...positionOf(parsed, ['maintenance']), message: `node \`${node.name}\` is under maintenance`, hint: 'it is deployed and probed but opens no incident; set `maintenance: false` when done' });
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  if (errorsOf(sorted).length > 0) return { diagnostics: sorted };
  return { fleet: freeze(root, settings, nodes, users, sources), diagnostics: sorted };
}

function readKind(source: FileSource, file: string, kind: FileKind, out: Diagnostic[]): ParsedFile | undefined {
  const bytes = guarded(file, out, undefined, () => source.read(file));
  if (!bytes) return undefined;
  const result = parseYamlFile(file, bytes);
  if (!result.ok) { out.push(...result.diagnostics); return undefined; }
  const errors = validateAgainstSchema(kind, result.parsed);
  if (errors.length > 0) { out.push(...errors); return undefined; }
  return result.parsed;
}

function readDir(source: FileSource, dir: 'nodes' | 'users', kind: FileKind, out: Diagnostic[]): Map<string, ParsedFile> {
  const files = new Map<string, ParsedFile>();
  for (const entry of guarded(dir, out, [] as string[], () => source.list(dir))) {
    const file = `${dir}/${entry}`;
    if (entry.startsWith('.') || entry.toLowerCase() === 'readme.md') continue;
    if (!entry.endsWith('.yaml')) {
      out.push({ severity: 'error', file, line: 1, col: 1, message: `unexpected file in ${dir}/`, hint: `name ${kind} files <name>.yaml (lowercase letters, digits, '-')` });
      continue;
    }
    const base = entry.slice(0, -'.yaml'.length);
    if (!SAFE_NAME.test(base)) {
      out.push({ severity: 'error', file, line: 1, col: 1, message: `file name \`${entry}\` is not a safe ${kind} name`, hint: "use lowercase letters, digits and '-', starting with a letter or digit, at most 40 characters" });
      continue;
    }
    const parsed = readKind(source, file, kind, out);
    if (!parsed) continue;
    const name = (parsed.value as { name: string }).name;
    if (name !== base) {
      out.push({ severity: 'error', file, ...positionOf(parsed, ['name']), message: `\`name\` is \`${name}\` but the file is ${entry}`, hint: `rename the file to ${name}.yaml or set \`name: ${base}\`` });
      continue;
    }
    files.set(name, parsed);
  }
  return files;
}

function freeze(root: string, settings: FleetSettings, nodes: Node[], users: User[], sources: Sources): Fleet {
  const byFile = new Map<string, ParsedFile>([[sources.fleet.file, sources.fleet]]);
  for (const p of [...sources.nodes.values(), ...sources.users.values()]) byFile.set(p.file, p);
  const fleet: Fleet = {
    root,
    settings,
    nodes: [...nodes].sort((a, b) => byText(a.name, b.name)),
    users: [...users].sort((a, b) => byText(a.name, b.name)),
    where(file, path = []) {
      const parsed = byFile.get(file);
      return parsed ? { file, ...positionOf(parsed, path) } : { file, line: 1, col: 1 };
    },
  };
  return deepFreeze(fleet);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) if (typeof v !== 'function') deepFreeze(v);
  }
  return value;
}
