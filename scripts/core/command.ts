// What every stage's command runner receives and may throw: the run's context (root,
// clock, environment, output), parsed arguments, exit codes and the two errors the CLI
// prints without a stack trace. The lowest layer: stages import it, it imports nothing
// of boxfleet's.
import { resolve } from 'node:path';

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  /** Where fleet.yaml, nodes/ and users/ are (`--root`). */
  root: string;
  /** The clock for expiry and grace periods (`--now`). */
  now: Date;
  env: NodeJS.ProcessEnv;
  io: Io;
  /**
   * Bytes per user per quota period, read from `--usage DIR` (a pulled status store) by the
   * command line before the command runs; the model derives who is over quota from it.
   */
  usage?: ReadonlyMap<string, Readonly<Record<string, { up: number; down: number }>>>;
  /** The status-branch commit `usage` was pulled from (DIR/commit), recorded in deploy markers. */
  usageCommit?: string;
}

/** A path given in an option, taken from `--root` like the fleet files (the same as the current directory by default). */
export function rootPath(ctx: Pick<CommandContext, 'root'>, path: string): string {
  return resolve(ctx.root, path);
}

/** Exit codes shared by every command (../DESIGN.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2, found: 3 } as const;

/** Wrong use of the command line: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

/** An operation failed for a reason the operator can act on: message only, exit 1. */
export class OperationError extends Error {
  constructor(message: string) { super(message); this.name = 'OperationError'; }
}
