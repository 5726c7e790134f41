// The contract between the thin `fleet` entry point and every stage's commands.
// A stage exports `commands: Command[]` from `scripts/<stage>/commands.ts`; that file
// holds only metadata and lazy imports, so `fleet --help` stays fast.

export type Format = 'text' | 'json' | 'md' | 'github' | 'table';

export interface OptionSpec {
  /** Long name without dashes, e.g. `format`. */
  name: string;
  /** Placeholder for the value (`N`, `text|json`); absent for a flag. */
  value?: string;
  help: string;
  /** May be given more than once (values collected in order). */
  repeat?: boolean;
}

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
}

export interface Command {
  /** One or two words: `validate`, `user rotate`. */
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. `<name>`. */
  args?: string;
  options: OptionSpec[];
  /** Formats accepted by `--format`; the first is the default. */
  formats?: Format[];
  examples: string[];
  /** Extra paragraphs for `--help`. */
  details?: string;
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>;
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
