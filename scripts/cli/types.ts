// The contract between the thin `fleet` entry point and the commands it offers: each
// stage's command list lives in cli/commands/<stage>.ts, metadata and lazy imports only,
// so `fleet --help` stays fast and no stage imports the CLI.
import type { CommandContext, ParsedArgs } from '../core/command.ts';

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
