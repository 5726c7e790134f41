// Shared plumbing of the editing commands (node add, node cert, user add/rotate/disable).
// Every edit is checked as a whole fleet *before* anything touches the disk: the new text
// is overlaid on the working tree and loaded like a commit would be, so a command can never
// leave the repository in a state that `fleet validate` refuses.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, stringify, type Document } from 'yaml';
import type { CommandContext } from '../core/command.ts';
import { OperationError, UsageError } from '../core/command.ts';
import { errorsOf, FleetInputError } from './diagnostics.ts';
import { clipText } from '../text/escape.ts';
import { dirSource, loadFleet, type FileSource } from './load.ts';
import type { FileKind } from './schema.ts';
import type { Fleet } from './types.ts';

export const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** First line of every fleet file: editors (yaml-language-server) validate as you type. */
export function schemaComment(kind: FileKind): string {
  const prefix = kind === 'fleet' ? '' : '../';
  return `# yaml-language-server: $schema=${prefix}scripts/model/schema/${kind}.schema.json`;
}

/** A YAML scalar as it would appear after `key: ` (quoted only when YAML needs it). */
export function yamlValue(value: string | number | boolean): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** ISO time with seconds precision, as `rotated_at` is written. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function requireSlug(value: string, what: string): string {
  if (!SLUG.test(value)) throw new UsageError(`${what} "${value}" is not a valid name — use lowercase letters, digits and '-', starting with a letter or digit, at most 40 characters`);
  return value;
}

/** The working tree with some files replaced by new text (not yet written). */
function overlaySource(root: string, files: Record<string, string>): FileSource {
  const base = dirSource(root);
  return {
    read: (path) => (path in files ? Buffer.from(files[path], 'utf8') : base.read(path)),
    list: (dir) => {
      const names = new Set(base.list(dir));
      for (const path of Object.keys(files)) if (path.startsWith(`${dir}/`)) names.add(path.slice(dir.length + 1));
      return [...names].sort();
    },
  };
}

/**
 * Loads the fleet as it would be with `files` written; throws FleetInputError (exit 1,
 * "nothing was changed") when any error remains, so the caller writes only valid state.
 */
export function checkEdit(ctx: CommandContext, files: Record<string, string>): Fleet {
  const root = resolve(ctx.root);
  const result = loadFleet(root, ctx.now, overlaySource(root, files));
  const errors = errorsOf(result.diagnostics);
  if (errors.length > 0 || !result.fleet) throw new FleetInputError(errors);
  return result.fleet;
}

/** Creates a file; an existing one is never overwritten (the `wx` flag makes that atomic). */
export function writeNewFile(ctx: CommandContext, rel: string, text: string): void {
  try {
    writeFileSync(join(resolve(ctx.root), rel), text, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OperationError(`${rel} already exists; edit it instead (nothing was changed)`);
    throw new OperationError(`cannot write ${rel}: ${(e as Error).message}`);
  }
}

/** Replaces a file through a temporary sibling and a rename: never half-written. */
export function replaceFile(ctx: CommandContext, rel: string, text: string): void {
  const full = join(resolve(ctx.root), rel);
  const tmp = `${full}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, full);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new OperationError(`cannot write ${rel}: ${(e as Error).message}`);
  }
}

/**
 * A new fleet file, safely: refused if it exists, validated with the rest of the fleet
 * before writing, and validated again from disk after (what was written is what was checked).
 */
export function addNewFile(ctx: CommandContext, rel: string, text: string): void {
  refuseExisting(ctx, rel);
  try {
    checkEdit(ctx, { [rel]: text });
  } catch (e) {
    if (!(e instanceof FleetInputError)) throw e;
    // A position in a file that does not exist helps nobody: quote the line it points at.
    const lines = text.split('\n');
    throw new FleetInputError(e.diagnostics.map((d) => (d.file === rel ? { ...d, unwritten: clipText(lines[d.line - 1]?.trim() ?? '', 120) } : d)));
  }
  writeNewFile(ctx, rel, text);
  checkEdit(ctx, {});
}

export function refuseExisting(ctx: CommandContext, rel: string): void {
  if (existsSync(join(resolve(ctx.root), rel))) throw new OperationError(`${rel} already exists; edit it instead (nothing was changed)`);
}

/** Opens a fleet file for editing with its comments (yaml's Document keeps them). */
export function openDocument(ctx: CommandContext, rel: string): Document.Parsed {
  const full = join(resolve(ctx.root), rel);
  if (!existsSync(full)) throw new OperationError(`${rel} does not exist`);
  const doc = parseDocument(readFileSync(full, 'utf8'), { version: '1.2' });
  // A file YAML cannot read is reported by the loader, with positions and hints.
  if (doc.errors.length > 0) checkEdit(ctx, {});
  return doc;
}

/**
 * Serialises an edited document. lineWidth 0: never fold long values (SSH host keys,
 * certificates); no flow padding: `[premium]` stays as the operator wrote it.
 */
export function documentText(doc: Document): string {
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A required option's string value, as a usage error when it is missing. */
export function stringOption(value: unknown, name: string, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required, e.g. --${name} ${example}`);
  return value.trim();
}

/** A repeatable option as a list (also when given once). */
export function listOf(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
