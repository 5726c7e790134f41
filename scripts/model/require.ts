// Helpers every command uses: load the fleet or stop with positioned errors, get the
// secret the way the command's purpose allows, print diagnostics in the chosen format.
import { resolve } from 'node:path';
import { FleetInputError, errorsOf, formatDiagnostic, warningsOf, type Diagnostic } from './diagnostics.ts';
import { loadFleet } from './load.ts';
import { withQuota } from './quota.ts';
import type { Fleet } from './types.ts';
import type { CommandContext } from '../core/command.ts';

/** Loads the fleet (with its quota state when the command got `--usage`); prints warnings to stderr; throws FleetInputError on errors. */
export function requireFleet(ctx: CommandContext, opts: { quiet?: boolean } = {}): Fleet {
  const result = loadFleet(resolve(ctx.root), ctx.now);
  if (!opts.quiet) for (const w of warningsOf(result.diagnostics)) ctx.io.err(formatDiagnostic(w));
  if (!result.fleet || errorsOf(result.diagnostics).length > 0) throw new FleetInputError(errorsOf(result.diagnostics));
  return withQuota(result.fleet, ctx.usage, ctx.now);
}

export function printDiagnostics(ctx: CommandContext, list: Diagnostic[]): void {
  for (const d of list) ctx.io.err(formatDiagnostic(d));
}
